-- GET of the URL with a bearer token (TOKEN from the environment): a management read.
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
