//! The sandbox under abuse, over real TCP: many keep-alive connections
//! opened at once are all served.
#![cfg(feature = "sandbox")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::*;

/// An HTTP/1.1 answer read off a raw socket.
#[derive(Debug, Default)]
struct Answer {
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn status(&self) -> Option<u16> {
        self.head.split(' ').nth(1).and_then(|s| s.parse().ok())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads one answer: its head, then as many bytes of body as it
/// announces. `None` if the connection ends or the read times out first.
fn read_answer(stream: &mut impl BufRead) -> Option<Answer> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let mut answer = Answer {
        head: head.trim_end().to_owned(),
        body: Vec::new(),
    };
    let length = answer.header("Content-Length")?.parse().ok()?;
    answer.body = vec![0; length];
    stream.read_exact(&mut answer.body).ok()?;
    Some(answer)
}

/// The request the `i`th of many clients sends: the stats or a token.
fn request(i: usize) -> String {
    if i % 2 == 0 {
        return "GET /_sandbox/stats HTTP/1.1\r\nHost: x\r\n\r\n".to_owned();
    }
    let form = format!(
        "client_id={PARTNER_ID}&client_secret={SECRET}&grant_type=client_credentials&scope=jetpack-partner"
    );
    format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
}

/// Opens `clients` connections at once, then asks on each; all stay open
/// (keep-alive) until every one has its answer, or has waited 10 s for
/// it. The answers, in the order of the clients.
fn ask_all_at_once(addr: SocketAddr, clients: usize) -> Vec<Option<Answer>> {
    let barrier = || Arc::new(Barrier::new(clients));
    let (ready, connected, answered) = (barrier(), barrier(), barrier());
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (ready, connected) = (ready.clone(), connected.clone());
            let answered = answered.clone();
            thread::spawn(move || {
                ready.wait();
                let mut stream = TcpStream::connect(addr).ok();
                connected.wait();
                let answer = stream.as_mut().and_then(|stream| {
                    stream
                        .set_read_timeout(Some(Duration::from_secs(10)))
                        .ok()?;
                    // A write may fail on a connection already answered
                    // and closed; its answer is still there to read.
                    let _ = stream.write_all(request(i).as_bytes());
                    read_answer(&mut BufReader::new(stream))
                });
                answered.wait();
                drop(stream);
                answer
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().ok().flatten())
        .collect()
}

#[test]
fn keep_alive_connections_opened_at_once_are_all_served() {
    // More than tiny_http's idle threads, all arriving at once.
    const CLIENTS: usize = 128;
    let sandbox = sandbox();
    let started = Instant::now();
    let answers = ask_all_at_once(sandbox.addr(), CLIENTS);
    let statuses: Vec<Option<u16>> = answers
        .iter()
        .map(|a| a.as_ref().and_then(Answer::status))
        .collect();
    let silent = statuses.iter().filter(|s| s.is_none()).count();
    assert_eq!(silent, 0, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == Some(200)), "{statuses:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(requests(&sandbox), CLIENTS as u64 / 2, "the token requests");
}
