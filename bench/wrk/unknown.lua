-- A new, well-formed, unknown token on every request: nothing to cache, every one a lookup.
dofile(os.getenv("WRK_DIR") .. "/tokens.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  return wrk.format(nil, nil, nil, '{"token":"' .. made_up_token() .. '"}')
end
