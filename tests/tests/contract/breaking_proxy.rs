//! A proxy in front of a server that breaks the contract in one place: each answer goes through
//! a function of the request's path and the answer, which may change it. Plain HTTP/1.1 over
//! tokio, one request per connection (the runner's clients send `GET`s without bodies).

use std::sync::{Arc, Mutex};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// What the proxy does to an answer: `(path, status, body) -> (status, body)`; `cache` keeps
/// what it likes between answers.
pub type Alter = dyn Fn(&str, u16, Vec<u8>, &mut Vec<Vec<u8>>) -> (u16, Vec<u8>) + Send + Sync;

/// A proxy serving on a loopback port until dropped.
pub struct BreakingProxy {
    base_url: String,
    // Serves until dropped, with the accept loop on it.
    _rt: tokio::runtime::Runtime,
}

impl BreakingProxy {
    /// Forwards every request to `upstream` (a base URL) and answers what `alter` makes of its
    /// answer.
    pub fn start(upstream: String, alter: Box<Alter>) -> BreakingProxy {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the proxy");
        let listener = rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("a loopback port for the proxy");
        let base_url = format!("http://{}", listener.local_addr().expect("its address"));
        let alter: Arc<Alter> = Arc::from(alter);
        let cache = Arc::new(Mutex::new(Vec::new()));
        let http = reqwest::Client::new();
        rt.spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (alter, cache, http, upstream) =
                    (alter.clone(), cache.clone(), http.clone(), upstream.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let line = String::from_utf8_lossy(&head).lines().next().unwrap_or("").to_string();
                    let target = line.split(' ').nth(1).unwrap_or("/").to_string();
                    let path = target.split('?').next().unwrap_or("/").to_string();
                    let (status, body) = match http.get(format!("{upstream}{target}")).send().await {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            (status, r.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
                        }
                        Err(_) => (502, b"{}".to_vec()),
                    };
                    let (status, body) = {
                        let mut cache = cache.lock().expect("the proxy's cache");
                        alter(&path, status, body, &mut cache)
                    };
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&body).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        BreakingProxy { base_url, _rt: rt }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }
}
