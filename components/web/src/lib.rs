//! The help-center page: HTML, CSS and JavaScript modules embedded in the
//! component (every file of `assets/`, see `build.rs`) and served with
//! caching and security headers. Everything the page does, it does by
//! calling the JSON API of the other components from the browser; this
//! component only serves files. The rules are in [`site`].

pub mod site;
#[cfg(test)]
mod strings_check;

use api_conventions::{ApiRequest, header, respond};
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use spin_sdk::http_component;

#[http_component]
async fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
    let req = match ApiRequest::read(incoming).await {
        Ok(req) => req,
        Err(problem) => return respond(out, Err(problem)).await,
    };
    let method = req.method().to_string();
    let page_request = site::PageRequest {
        method: &method,
        path: req.path(),
        if_none_match: header(&req, "if-none-match"),
        accept_language: header(&req, "accept-language"),
    };
    respond(out, Ok(site::respond(&page_request))).await
}
