//! The help-center page end to end: the real `web.wasm` behind the route
//! `/...` on the project's host, next to the API components. What the page
//! does in a browser is in `tests/browser`; this checks what reaches the
//! browser over HTTP.

use end_to_end::*;

async fn start(name: &str) -> Running {
    Running::start(app_options(&temp_dir(name))).await.unwrap()
}

async fn get_with(app: &Running, path: &str, header: (&str, &str)) -> Reply {
    Reply::from(
        app.client
            .get(app.url(path))
            .header(header.0, header.1)
            .send()
            .await,
    )
    .await
}

/// The asset URLs the page links, e.g. `/assets/0123456789ab/app.css`.
fn linked_assets(html: &str) -> Vec<String> {
    html.split("\"/assets/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|path| format!("/assets/{path}"))
        .collect()
}

#[tokio::test]
async fn the_page_its_assets_and_their_caching_through_the_host() {
    let app = start("web-page").await;
    let page = get_with(&app, "/", ("accept-language", "it-IT,it;q=0.9")).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    assert!(
        page.text.contains("<html lang=\"it\""),
        "the first paint is in the browser's language"
    );
    assert!(
        page.header("content-security-policy")
            .is_some_and(|csp| csp.contains("script-src 'self'"))
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));

    let etag = page.header("etag").unwrap().to_string();
    let again = Reply::from(
        app.client
            .get(app.url("/"))
            .header("accept-language", "it-IT")
            .header("if-none-match", &etag)
            .send()
            .await,
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.text.is_empty());

    let assets = linked_assets(&page.text);
    assert!(
        assets.iter().any(|a| a.ends_with("/app.js"))
            && assets.iter().any(|a| a.ends_with("/app.css")),
        "{assets:?}"
    );
    for asset in &assets {
        let reply = app.get(asset).await;
        assert_eq!(reply.status, 200, "{asset}");
        assert_eq!(
            reply.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{asset}"
        );
        assert!(reply.header("etag").is_some(), "{asset}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn page_paths_serve_the_page_and_unknown_api_paths_are_json_problems() {
    let app = start("web-paths").await;
    let case_page = app.get("/cases/EU-1234").await;
    assert_eq!(case_page.status, 200);
    assert!(case_page.text.starts_with("<!doctype html>"));

    for path in ["/api/nope", "/api/answers-typo", "/api"] {
        app.get(path).await.assert_problem(404);
    }
    // The API components still answer their own routes.
    app.get("/api/orders").await.assert_problem(401);
    app.get("/favicon.ico").await.assert_problem(404);
    app.shutdown().await;
}
