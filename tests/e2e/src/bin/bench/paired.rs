//! Paired latency: hello and a route asked in turn, in short runs, one
//! request at a time.
//!
//! On a shared virtual machine the CPU slows down and speeds up for whole
//! seconds at a time (steal time). `wrk` measures one target after another,
//! so a slow second can land on the route and not on hello, and one round's
//! ratio moves by tens of percent. Here hello and the route take turns every
//! few milliseconds, so both see the same machine: the ratio of their
//! medians is the route's cost, with the noise mostly cancelled.
//!
//! The client is a plain blocking one on one kept-alive connection per
//! server, on a thread of its own, so that it adds as little time as it can
//! and none of it on the servers' threads; what it adds, like `wrk`'s, is in
//! every figure (the hyper hello row shows how little).

use crate::{HOST_HELLO, Target, median};
use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One kept-alive HTTP/1.1 connection to a target's server.
struct Connection {
    target: Target,
    stream: TcpStream,
    /// The request line and headers every request carries.
    head: String,
    body: Vec<u8>,
    sent: u64,
    buffer: Vec<u8>,
}

impl Connection {
    fn open(target: &Target) -> Result<Self> {
        let url = url::Url::parse(&target.url).with_context(|| format!("bad URL {}", target.url))?;
        let host = url.host_str().with_context(|| format!("no host in {}", target.url))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let stream = TcpStream::connect((host, port)).with_context(|| format!("connecting to {}", target.url))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        let method = if target.body.is_some() { "POST" } else { "GET" };
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n");
        for (name, value) in &target.headers {
            head += &format!("{name}: {value}\r\n");
        }
        let body = target.body.as_ref().map(|b| b.to_string().into_bytes()).unwrap_or_default();
        if target.body.is_some() {
            head += "Content-Type: application/json\r\n";
        }
        head += &format!("Content-Length: {}\r\n", body.len());
        Ok(Self { target: target.clone(), stream, head, body, sent: 0, buffer: Vec::with_capacity(64 * 1024) })
    }

    /// Sends one request and reads its whole answer, which must be 2xx;
    /// the time from sending to the answer's last byte.
    fn time_one(&mut self) -> Result<Duration> {
        self.sent += 1;
        let mut request = self.head.clone().into_bytes();
        if self.target.fresh_idempotency_key {
            let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
            request.extend(format!("Idempotency-Key: bench-paired-{now}-{}\r\n", self.sent).bytes());
        }
        request.extend(b"\r\n");
        request.extend(&self.body);
        let started = Instant::now();
        self.stream.write_all(&request)?;
        let (status, body) = self.read_response()?;
        let elapsed = started.elapsed();
        if !(200..300).contains(&status) {
            bail!("{} answered {status}: {}", self.target.name, String::from_utf8_lossy(&body));
        }
        Ok(elapsed)
    }

    /// Reads more of the answer into the buffer; an error if the server closed the connection.
    fn fill(&mut self) -> Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let read = self.stream.read(&mut chunk)?;
        if read == 0 {
            bail!("{} closed the connection mid-answer", self.target.name);
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(())
    }

    /// One answer: its status and body (by `Content-Length` or chunked).
    fn read_response(&mut self) -> Result<(u16, Vec<u8>)> {
        self.buffer.clear();
        let (head_len, status, length) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(head_len) = response.parse(&self.buffer)? {
                let header = |name: &str| {
                    response.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value)
                };
                let length = match header("content-length") {
                    Some(value) => Some(std::str::from_utf8(value)?.trim().parse::<usize>()?),
                    None if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case(b"chunked")) => None,
                    None => bail!("{} answered with neither a length nor chunks", self.target.name),
                };
                break (head_len, response.code.unwrap_or(0), length);
            }
            self.fill()?;
        };
        let mut at = head_len;
        let body = match length {
            Some(length) => {
                while self.buffer.len() < at + length {
                    self.fill()?;
                }
                self.buffer[at..at + length].to_vec()
            }
            None => {
                let mut body = Vec::new();
                loop {
                    let (size_len, size) = loop {
                        match httparse::parse_chunk_size(&self.buffer[at..]) {
                            Ok(httparse::Status::Complete(found)) => break found,
                            Ok(httparse::Status::Partial) => self.fill()?,
                            Err(_) => bail!("{} sent a bad chunk size", self.target.name),
                        }
                    };
                    at += size_len;
                    let size = usize::try_from(size)?;
                    // The chunk and its CRLF; the last, empty chunk is only its CRLF (no trailers are sent).
                    while self.buffer.len() < at + size + 2 {
                        self.fill()?;
                    }
                    body.extend_from_slice(&self.buffer[at..at + size]);
                    at += size + 2;
                    if size == 0 {
                        break body;
                    }
                }
            }
        };
        Ok((status, body))
    }
}

/// One target's paired run: its latencies and hello's, taken in turn.
#[derive(Debug, Clone, Default)]
pub struct Pairs {
    pub hello_ms: Vec<f64>,
    pub route_ms: Vec<f64>,
}

impl Pairs {
    /// The route's p50 over hello's p50 in the same run.
    pub fn p50_ratio(&self) -> f64 {
        median(self.route_ms.clone()) / median(self.hello_ms.clone())
    }
}

/// How many requests in a row each side gets. One at a time would flatter
/// every route: each request would find the CPU's caches full of the other
/// server's work, which costs hello (about 35 µs of its 130 µs here) more,
/// in proportion, than the routes (answers read 1.9x that way, 2.4x in
/// runs of 20 or 25). Twenty keep both about as warm as `wrk` keeps them,
/// and a turn of both still takes only a few milliseconds, far shorter than
/// the machine's slow spells.
const RUN: usize = 20;

/// Asks hello [`RUN`] times, then the route as often, then hello... for
/// `seconds` on `hello` and `route`, one request at a time.
fn alternate(hello: &mut Connection, route: &mut Connection, seconds: u32) -> Result<Pairs> {
    let mut pairs = Pairs::default();
    let until = Instant::now() + Duration::from_secs(seconds.into());
    while Instant::now() < until {
        for _ in 0..RUN {
            pairs.hello_ms.push(hello.time_one()?.as_secs_f64() * 1000.0);
        }
        for _ in 0..RUN {
            pairs.route_ms.push(route.time_one()?.as_secs_f64() * 1000.0);
        }
    }
    Ok(pairs)
}

/// `rounds` rounds of every target but hello paired with hello for
/// `seconds` each; per target, one [`Pairs`] per round. Blocks: call it
/// off the servers' threads.
pub fn measure(targets: &[Target], rounds: u32, seconds: u32) -> Result<Vec<(Target, Vec<Pairs>)>> {
    let hello_target = targets
        .iter()
        .find(|t| t.name == HOST_HELLO)
        .context("no hello target to pair with")?;
    let mut hello = Connection::open(hello_target)?;
    let mut routes = Vec::new();
    for target in targets.iter().filter(|t| t.name != HOST_HELLO) {
        routes.push((Connection::open(target)?, Vec::new()));
    }
    for round in 1..=rounds {
        eprintln!("paired latency, round {round} of {rounds}: {seconds}s per target, hello and the target in turns");
        for (route, runs) in &mut routes {
            runs.push(alternate(&mut hello, route, seconds)?);
        }
    }
    Ok(routes.into_iter().map(|(c, runs)| (c.target, runs)).collect())
}

/// Prints one line per target: its p50, hello's p50 beside it, and the
/// ratio of the two (median over rounds, lowest and highest).
pub fn print(measured: &[(Target, Vec<Pairs>)], seconds: u32) {
    let rounds = measured.first().map_or(0, |(_, runs)| runs.len());
    let width = measured.iter().map(|(t, _)| t.name.len()).max().unwrap_or(6).max(6);
    println!();
    println!("Paired latency: hello and the target in turns of {RUN} requests, one request at a time");
    println!(
        "a blocking client, one kept-alive connection to each server, {seconds}s per target, {rounds} round(s)"
    );
    println!(
        "p50 x = the target's p50 / hello's p50 in the same run, median over the rounds; p50 x range is the lowest and highest"
    );
    println!();
    println!(
        "{:<width$}  {:>9}  {:>9}  {:>9}  {:>8}  {:>13}  {:>8}",
        "target", "pairs", "p50 ms", "hello ms", "p50 x", "p50 x range", "p99 x"
    );
    println!("{}", "-".repeat(width + 2 + 9 + 2 + 9 + 2 + 9 + 2 + 8 + 2 + 13 + 2 + 8));
    for (target, runs) in measured {
        let ratios: Vec<f64> = runs.iter().map(Pairs::p50_ratio).collect();
        let lowest = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let highest = ratios.iter().copied().fold(0.0, f64::max);
        let p99_ratios: Vec<f64> = runs
            .iter()
            .map(|p| percentile(&p.route_ms, 0.99) / percentile(&p.hello_ms, 0.99))
            .collect();
        println!(
            "{:<width$}  {:>9}  {:>9.3}  {:>9.3}  {:>7.2}x  {:>13}  {:>7.2}x",
            target.name,
            runs.iter().map(|p| p.route_ms.len()).sum::<usize>(),
            median(runs.iter().map(|p| median(p.route_ms.clone())).collect()),
            median(runs.iter().map(|p| median(p.hello_ms.clone())).collect()),
            median(ratios),
            format!("{lowest:.2}-{highest:.2}x"),
            median(p99_ratios),
        );
    }
}

/// The value below which `share` of `values` lie (nearest rank).
fn percentile(values: &[f64], share: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((share * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_ratio_is_the_route_median_over_hello_median() {
        let pairs = Pairs {
            hello_ms: vec![0.10, 0.50, 0.11],
            route_ms: vec![0.22, 0.20, 0.90],
        };
        assert!((pairs.p50_ratio() - 0.22 / 0.11).abs() < 1e-9);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 0.99), 99.0);
        assert_eq!(percentile(&values, 0.5), 50.0);
        assert_eq!(percentile(&[3.0], 0.99), 3.0);
    }
}
