//! `quarry serve` from outside: the real binary serving a sample study, spoken to over raw
//! HTTP (so that the Host header and cookies are exactly what a test says) and, for what a
//! person sees, through headless Chromium.

mod agreement;
mod basics;
mod browser;
mod codebook;
mod review;
mod search;

use crate::quarry;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

/// A running `quarry serve`, stopped when dropped.
pub struct Server {
    child: Child,
    /// The server's standard output, kept open (a closed pipe would stop it).
    _out: BufReader<std::process::ChildStdout>,
    pub port: u16,
    pub token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Server {
    /// Starts `quarry serve --no-open --port 0` in `dir` and reads the address it prints.
    pub fn start(dir: &Path) -> Server {
        Server::start_with(dir, &[])
    }

    /// [`Server::start`] with more flags (`--coder NAME`). No coder comes from the settings
    /// of the machine running the tests.
    pub fn start_with(dir: &Path, flags: &[&str]) -> Server {
        let mut cmd = std::process::Command::new(quarry(dir).get_program());
        cmd.current_dir(dir)
            .env_remove("QUARRY_PROJECT")
            .env_remove("QUARRY_CODER")
            .env("QUARRY_CONFIG", dir.join("no-such-settings-file"))
            .args(["serve", "--no-open", "--port", "0"])
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("starting quarry serve");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).expect("the address");
        let url = line.trim();
        let (base, token) = url.split_once("/?token=").expect("an address with a token");
        let port = base.rsplit_once(':').unwrap().1.parse().unwrap();
        Server {
            child,
            _out: out,
            port,
            token: token.to_string(),
        }
    }

    pub fn cookie(&self) -> String {
        format!("quarry_{}={}", self.port, self.token)
    }

    /// GET `path` with `headers`; (status, head, body).
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut req = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            req.push_str(&format!("Host: 127.0.0.1:{}\r\n", self.port));
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head[9..12].parse().unwrap();
        (status, head.to_string(), body.to_string())
    }

    /// GET `path` as the browser that came with the token.
    pub fn page(&self, path: &str) -> String {
        let (status, _, body) = self.get(path, &[("Cookie", &self.cookie())]);
        assert_eq!(status, 200, "{path}: {body}");
        body
    }
    /// POST the form `body` (`k=v&...`, already encoded) to `path` as the browser that came
    /// with the token; (status, head, body).
    pub fn post(&self, path: &str, body: &str) -> (u16, String, String) {
        self.post_as(path, body, &self.cookie())
    }

    /// The cookies of a browser that came with the token and says `coder` is coding.
    pub fn cookie_as(&self, coder: &str) -> String {
        format!("{}; quarry_{}_coder={coder}", self.cookie(), self.port)
    }

    /// [`Server::post`] with the cookies `cookie`.
    pub fn post_as(&self, path: &str, body: &str, cookie: &str) -> (u16, String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            self.port,
            cookie,
            body.len()
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head[9..12].parse().unwrap();
        (status, head.to_string(), body.to_string())
    }
}

/// The form key a page carries (`<input type="hidden" name="form" value="...">`).
pub fn form_key(page: &str) -> String {
    let at = page
        .find("name=\"form\" value=\"")
        .unwrap_or_else(|| panic!("a form key in {page}"));
    let rest = &page[at + "name=\"form\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}
