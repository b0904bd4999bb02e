-- Shared by unknown.lua and mix.lua: well-formed Latchkey tokens made up on the spot, with a
-- valid CRC32 checksum, so that each one passes the format gate and reaches the lookup.
local bit = require("bit")
local alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

local crc_table = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if bit.band(c, 1) == 1 then
      c = bit.bxor(bit.rshift(c, 1), 0xEDB88320)
    else
      c = bit.rshift(c, 1)
    end
  end
  crc_table[i] = c
end

local function crc32(s)
  local c = 0xFFFFFFFF
  for i = 1, #s do
    c = bit.bxor(crc_table[bit.band(bit.bxor(c, s:byte(i)), 0xFF)], bit.rshift(c, 8))
  end
  c = bit.bxor(c, 0xFFFFFFFF)
  if c < 0 then c = c + 4294967296 end
  return c
end

local function base62(n, width)
  local digits = {}
  for i = width, 1, -1 do
    local d = n % 62
    digits[i] = alphabet:sub(d + 1, d + 1)
    n = math.floor(n / 62)
  end
  return table.concat(digits)
end

function made_up_token()
  local body = {}
  for i = 1, 43 do
    local d = math.random(0, 61)
    body[i] = alphabet:sub(d + 1, d + 1)
  end
  body = table.concat(body)
  return "lk_" .. body .. base62(crc32(body), 6)
end

math.randomseed(os.time() + math.floor(os.clock() * 1000000))
