-- 70 % valid with permission, 10 % refused (403), 10 % malformed, 10 % made-up unknown.
dofile(os.getenv("WRK_DIR") .. "/tokens.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local valid = string.format('{"token":"%s","permission":"api-token.find"}', os.getenv("TOKEN"))
local refused = string.format('{"token":"%s","permission":"api-token.delete"}', os.getenv("REFUSED_TOKEN"))
local malformed = '{"token":"lk_this-is-not-a-token"}'
local n = 0

function request()
  n = n + 1
  local slot = n % 10
  local body
  if slot < 7 then body = valid
  elseif slot == 7 then body = refused
  elseif slot == 8 then body = malformed
  else body = '{"token":"' .. made_up_token() .. '"}' end
  return wrk.format(nil, nil, nil, body)
end
