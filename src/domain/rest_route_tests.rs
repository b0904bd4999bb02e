use super::*;

fn routes(prefix: &str) -> RestRoutes {
    let types = ["article", "category", "box", "api-token", "news"]
        .iter()
        .map(|uid| ContentTypeUid::parse(uid).expect("a valid uid"))
        .collect();
    RestRoutes::new(RoutePrefix::parse(prefix).expect("a valid prefix"), types)
}

/// Method × path → permission, or why there is none. Every row is checked against the
/// `/api` prefix.
#[test]
fn methods_and_paths_map_to_permissions_by_the_rest_convention() {
    use Unmapped::*;
    let table: &[(&str, &str, Result<&str, Unmapped>)] = &[
        ("GET", "/api/articles", Ok("article.find")),
        ("HEAD", "/api/articles", Ok("article.find")),
        ("GET", "/api/articles/", Ok("article.find")),
        ("GET", "/api/article", Ok("article.find")),
        ("GET", "/api/articles/42", Ok("article.findOne")),
        ("GET", "/api/articles/42/", Ok("article.findOne")),
        ("GET", "/api/articles/a%20b", Ok("article.findOne")),
        ("POST", "/api/articles", Ok("article.create")),
        ("PUT", "/api/articles/42", Ok("article.update")),
        ("PATCH", "/api/articles/42", Ok("article.update")),
        ("DELETE", "/api/articles/42", Ok("article.delete")),
        ("GET", "/api/categories", Ok("category.find")),
        ("GET", "/api/boxes/7", Ok("box.findOne")),
        ("GET", "/api/api-tokens", Ok("api-token.find")),
        // A content type whose id is already plural keeps its own name.
        ("GET", "/api/news", Ok("news.find")),
        // The query string is never read as path.
        ("GET", "/api/articles?populate=*", Ok("article.find")),
        ("GET", "/api/articles?x=/../users", Ok("article.find")),
        (
            "GET",
            "/api/articles/42?fields[0]=title",
            Ok("article.findOne"),
        ),
        ("GET", "/api/articlesX", Err(UnknownContentType)),
        ("GET", "/api/Articles", Err(UnknownContentType)),
        ("GET", "/api/users", Err(UnknownContentType)),
        ("GET", "/api/articles/../users", Err(Ambiguous)),
        ("GET", "/api/articles/./42", Err(Ambiguous)),
        ("GET", "/api/articles%2F42", Err(Ambiguous)),
        ("GET", "/api/articles/42%2f..%2fusers", Err(Ambiguous)),
        ("GET", "/api/articles/%2e%2e/users", Err(Ambiguous)),
        ("GET", "/api/articles/%252f", Err(Ambiguous)),
        ("GET", "/api/articles\\..\\users", Err(Ambiguous)),
        ("GET", "/api/articles;jsessionid=1", Err(Ambiguous)),
        ("GET", "/api//articles", Err(Ambiguous)),
        ("GET", "/api/articles//", Err(Ambiguous)),
        ("GET", "/api/articles/4 2", Err(Ambiguous)),
        ("GET", "/api/articles/\u{e9}", Err(Ambiguous)),
        ("GET", "/api/articles#x", Err(Ambiguous)),
        ("GET", "api/articles", Err(Ambiguous)),
        ("GET", "http://example.com/api/articles", Err(Ambiguous)),
        ("GET", "/apix/articles", Err(OutsidePrefix)),
        ("GET", "/api", Err(OutsidePrefix)),
        ("GET", "/", Err(OutsidePrefix)),
        ("GET", "/other/api/articles", Err(OutsidePrefix)),
        ("POST", "/api/articles/42", Err(NoAction)),
        ("PUT", "/api/articles", Err(NoAction)),
        ("DELETE", "/api/articles", Err(NoAction)),
        ("OPTIONS", "/api/articles", Err(NoAction)),
        ("get", "/api/articles", Err(NoAction)),
        ("GET", "/api/articles/42/comments", Err(NoAction)),
        ("GET", "/api/", Err(UnknownContentType)),
    ];
    let routes = routes("/api");
    for (method, uri, expected) in table {
        let mapped = routes.permission_for(method, uri).map(|p| p.to_string());
        assert_eq!(mapped, expected.map(str::to_owned), "{method} {uri}");
    }
}

#[test]
fn a_root_prefix_and_a_deeper_one_map_the_same_way() {
    let root = routes("/");
    assert_eq!(
        root.permission_for("GET", "/articles/1")
            .map(|p| p.to_string()),
        Ok("article.findOne".to_owned())
    );
    let deep = routes("/content/v2/{content-type}");
    assert_eq!(deep.prefix().as_str(), "/content/v2");
    assert_eq!(
        deep.permission_for("DELETE", "/content/v2/articles/1")
            .map(|p| p.to_string()),
        Ok("article.delete".to_owned())
    );
    assert_eq!(
        deep.permission_for("GET", "/content/v2x/articles"),
        Err(Unmapped::OutsidePrefix)
    );
}

#[test]
fn prefixes_are_plain_paths() {
    for (raw, stored) in [
        ("/api", "/api"),
        ("/api/", "/api"),
        (" /api/{content-type} ", "/api"),
        ("/", ""),
        ("/{content-type}", ""),
        ("/v1.2/content_~x", "/v1.2/content_~x"),
    ] {
        assert_eq!(
            RoutePrefix::parse(raw).map(|p| p.as_str().to_owned()),
            Ok(stored.to_owned()),
            "{raw:?}"
        );
    }
    for raw in [
        "",
        "api",
        "/api/../x",
        "/api/./x",
        "/a//b",
        "/api?x",
        "/a%2fb",
        "/a b",
        "/a;b",
        "//",
        "/api/{id}",
    ] {
        assert!(RoutePrefix::parse(raw).is_err(), "{raw:?} was accepted");
    }
    assert!(RoutePrefix::parse(&format!("/{}", "a".repeat(100))).is_err());
    assert_eq!(
        RoutePrefix::parse("/api").map(|p| p.pattern()),
        Ok("/api/{content-type}".to_owned())
    );
}

#[test]
fn plurals_follow_the_english_rules_strapi_writes() {
    for (singular, expected) in [
        ("article", "articles"),
        ("category", "categories"),
        ("day", "days"),
        ("box", "boxes"),
        ("match", "matches"),
        ("dish", "dishes"),
        ("bus", "buses"),
        ("blog-post", "blog-posts"),
    ] {
        assert_eq!(plural(singular), expected);
    }
}
