//! Outbound HTTP from components: only to `allowed_outbound_hosts`, with
//! `*.spin.internal` and `self` dispatched to the application in-process.

use crate::app::{App, ComponentContext, InternalTarget};
use http_body_util::BodyExt;
use std::future::Future;
use std::sync::{Arc, Weak};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

pub struct OutboundHooks {
    app: Weak<App>,
    component: Arc<ComponentContext>,
}

impl OutboundHooks {
    pub fn new(app: Weak<App>, component: Arc<ComponentContext>) -> Self {
        Self { app, component }
    }
}

type SendFuture = Box<dyn Future<Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>), Error>> + Send>;

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> SendFuture {
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("http").to_string();
        let host = uri.host().unwrap_or("").to_ascii_lowercase();
        let port = uri.port_u16();
        let component = &self.component;

        let internal = if host.is_empty() || host == "self" {
            Some(InternalTarget::SelfRoute)
        } else {
            host.strip_suffix(".spin.internal").map(|id| InternalTarget::Component(id.to_string()))
        };
        let allowed = match &internal {
            Some(InternalTarget::SelfRoute) => component.allowed_hosts.allows("http", "self", port),
            _ => component.allowed_hosts.allows(&scheme, &host, port),
        };
        if !allowed {
            eprintln!(
                "component {} may not call {scheme}://{host}: add it to allowed_outbound_hosts in spin.toml",
                component.id
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        match internal {
            Some(target) => {
                let app = self.app.clone();
                Box::new(async move {
                    let app = app.upgrade().ok_or(Error::DestinationUnavailable)?;
                    let response = app.handle_internal(target, request).await;
                    let response = response.map(|b| b.boxed_unsync());
                    Ok((response, Box::new(async { Ok(()) }) as Box<dyn Future<Output = _> + Send>))
                })
            }
            None => Box::new(async move {
                let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
                Ok((response.map(|b| b.boxed_unsync()), Box::new(io) as Box<dyn Future<Output = _> + Send>))
            }),
        }
    }
}
