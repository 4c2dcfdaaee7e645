//! Serves an application over HTTP/1.1 on a TCP listener.

use crate::app::App;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A running server; dropping the handle does not stop it, `shutdown` does.
pub struct Server {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn start(app: Arc<App>, listener: TcpListener) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let serving = app.clone();
        let task = tokio::spawn(async move {
            loop {
                let (stream, client) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(e) => {
                            eprintln!("accepting a connection failed: {e}");
                            continue;
                        }
                    },
                    _ = stopped.changed() => break,
                };
                let app = serving.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let app = app.clone();
                        async move { Ok::<_, std::convert::Infallible>(app.handle(req, client).await) }
                    });
                    // Errors here are clients going away mid-request; nothing to answer.
                    let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Ok(Self { addr, app, stop, task })
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
