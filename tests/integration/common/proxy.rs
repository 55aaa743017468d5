//! A TCP proxy in front of a database server that a test can stop and
//! restart, to see the app while "the database is down".

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

pub struct Proxy {
    pub port: u16,
    target: String,
    up: Arc<AtomicBool>,
    kill: Arc<Notify>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    pub async fn start(target: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let mut p = Proxy {
            port,
            target: target.to_owned(),
            up: Arc::new(AtomicBool::new(true)),
            kill: Arc::new(Notify::new()),
            task: None,
        };
        p.task = Some(p.serve(listener));
        p
    }

    fn serve(&self, listener: TcpListener) -> tokio::task::JoinHandle<()> {
        let target = self.target.clone();
        let up = self.up.clone();
        let kill = self.kill.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let target = target.clone();
                let kill = kill.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = kill.notified() => {}
                    }
                });
            }
        })
    }

    /// Refuses new connections and cuts the open ones: the server "goes down".
    pub async fn stop(&mut self) {
        self.up.store(false, Ordering::SeqCst);
        if let Some(t) = self.task.take() {
            t.abort();
        }
        for _ in 0..64 {
            self.kill.notify_waiters();
            tokio::task::yield_now().await;
        }
    }

    /// Accepts connections again on the same port.
    pub async fn restart(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("rebind proxy");
        self.up.store(true, Ordering::SeqCst);
        self.task = Some(self.serve(listener));
    }
}
