-- POST /api/v1/verify with one fixed body: TOKEN and PERMISSION come from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local permission = os.getenv("PERMISSION")
if permission and permission ~= "" then
  wrk.body = string.format('{"token":"%s","permission":"%s"}', os.getenv("TOKEN"), permission)
else
  wrk.body = string.format('{"token":"%s"}', os.getenv("TOKEN"))
end
