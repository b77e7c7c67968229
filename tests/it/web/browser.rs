//! `quarry serve` in a real browser: headless Chromium driven over WebDriver (Debian's
//! `chromium` and `chromium-driver`, through the fantoccini client), as a person would use it:
//! the address with its token, typing, keys, links, what the page then shows.
//!
//! [`Driver`] starts `chromedriver` on a free port (stopped when dropped); [`Driver::browser`]
//! opens one browser at 1280×800 on a running [`Server`], let in with the token. Several
//! browsers can share one driver, each with its own profile and cookies, so two coders can work
//! side by side in one test. The [`Browser`] helpers (`go`, `text`, `click`, `fill`, `press`,
//! `type_keys`, `focused`, `wait_until`, `js`, `screenshot`) wait for what they act on and
//! fail with what the page showed, so a new page's test reads as a list of steps.
//!
//! Without chromedriver or Chromium the tests say they were skipped, unless
//! QUARRY_REQUIRE_TOOLS is set (as in CI), which makes that a failure.
//!
//! The tests: `browser/pages.rs` (reading, searching, the keyboard, who is coding, markup as
//! text), `browser/review.rs` (review by keys, two coders at once), `browser/screens.rs` (a
//! screenshot of every page, run by .ci/run). A page's browser tests go in a file of their own
//! beside them.

mod hits;
mod pages;
mod review;
mod screens;

use super::Server;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a helper waits for an element or a condition before failing.
const PATIENCE: Duration = Duration::from_secs(20);

/// The browser window: the size the issue asks screenshots at.
pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 800;

/// A `chromedriver` on a free port, with the runtime its clients run on; stopped when dropped
/// (after every [`Browser`] borrowed from it has closed its window).
pub struct Driver {
    child: Child,
    port: u16,
    chromium: PathBuf,
    rt: tokio::runtime::Runtime,
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// `chromedriver`: `QUARRY_CHROMEDRIVER`, else the first on PATH.
fn chromedriver() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("QUARRY_CHROMEDRIVER") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromedriver"))
        .find(|p| p.is_file())
}

impl Driver {
    /// Starts chromedriver, or says why the browser test `what` is skipped and returns None
    /// (a failure instead with QUARRY_REQUIRE_TOOLS set).
    pub fn start(what: &str) -> Option<Driver> {
        let chromium = crate::report::chromium_or_skip(what)?;
        let Some(exe) = chromedriver() else {
            if std::env::var_os("QUARRY_REQUIRE_TOOLS").is_some() {
                panic!(
                    "QUARRY_REQUIRE_TOOLS is set but no chromedriver on PATH \
                     (apt-get install chromium-driver)"
                );
            }
            crate::skipped(&format!(
                "no chromedriver on PATH (apt-get install chromium-driver, or set \
                 QUARRY_CHROMEDRIVER): {what}"
            ));
            return None;
        };
        // Port 0: chromedriver picks a free one and says which.
        let mut child = Command::new(&exe)
            .args(["--port=0", "--log-level=SEVERE"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", exe.display()));
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut said = String::new();
        let port = loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                child.kill().ok();
                panic!("chromedriver stopped before it listened: {said}");
            }
            said.push_str(&line);
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                break rest.trim().trim_end_matches('.').parse::<u16>().unwrap();
            }
        };
        // Keep reading what it prints, so that a full pipe never stops it.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Some(Driver {
            child,
            port,
            chromium,
            rt,
        })
    }

    /// A new browser window (its own profile: its own cookies) let into `server` with the
    /// token, on the overview.
    pub fn browser(&self, server: &Server) -> Browser<'_> {
        let b = self.window(server);
        b.go(&format!("/?token={}", server.token));
        assert_eq!(
            b.path(),
            "/",
            "the token is traded for a cookie and dropped"
        );
        b
    }

    /// A new browser window for `server` that has not been let in (a stranger's).
    pub fn window(&self, server: &Server) -> Browser<'_> {
        let profile = tempfile::tempdir().unwrap();
        // The same headless flags as the report's checks, and a fixed window.
        let mut flags = Command::new("chromium");
        crate::report::headless(&mut flags, profile.path());
        let mut args: Vec<String> = flags
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        args.extend(
            [
                &format!("--window-size={WIDTH},{HEIGHT}"),
                "--force-device-scale-factor=1",
                "--hide-scrollbars",
                "--force-color-profile=srgb",
                "--lang=en-GB",
            ]
            .map(String::from),
        );
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": self.chromium, "args": args },
            // A page that never loads fails the test instead of hanging it.
            "timeouts": { "pageLoad": 60_000, "script": 10_000 },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = self
            .rt
            .block_on(
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps)
                    .connect(&format!("http://127.0.0.1:{}", self.port)),
            )
            .unwrap_or_else(|e| panic!("opening a Chromium window through chromedriver: {e}"));
        let b = Browser {
            driver: self,
            client: Some(client),
            base: format!("http://127.0.0.1:{}", server.port),
            _profile: profile,
        };
        // The page gets 1280×800 (the window's frame, even headless, takes some).
        let frame = b.js("return [outerWidth - innerWidth, outerHeight - innerHeight]");
        let extra = |i: usize| frame[i].as_u64().unwrap_or(0) as u32;
        b.run(
            "sizing the window",
            b.c().set_window_size(WIDTH + extra(0), HEIGHT + extra(1)),
        );
        let inner = b.js("return [innerWidth, innerHeight]");
        assert_eq!(inner, json!([WIDTH, HEIGHT]), "the page's size");
        b
    }
}

/// One browser window on the server; closed when dropped.
pub struct Browser<'d> {
    driver: &'d Driver,
    client: Option<Client>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = self.driver.rt.block_on(c.close());
        }
    }
}

/// A key by name (`Tab`, `Enter`, `Escape`, `Backspace`, `Delete`, `Space`, `ArrowUp`,
/// `ArrowDown`, `ArrowLeft`, `ArrowRight`, `Home`, `End`, `PageUp`, `PageDown`, `Shift`,
/// `Control`, `Alt`, `Meta`) or a single character (`a`, `?`).
fn key(name: &str) -> char {
    let k = match name {
        "Delete" => Key::Delete,
        "Shift" => Key::Shift,
        "Control" => Key::Control,
        "Alt" => Key::Alt,
        "Meta" => Key::Meta,
        "Tab" => Key::Tab,
        "Enter" => Key::Enter,
        "Escape" => Key::Escape,
        "Backspace" => Key::Backspace,
        "Space" => Key::Space,
        "ArrowUp" => Key::Up,
        "ArrowDown" => Key::Down,
        "ArrowLeft" => Key::Left,
        "ArrowRight" => Key::Right,
        "Home" => Key::Home,
        "End" => Key::End,
        "PageUp" => Key::PageUp,
        "PageDown" => Key::PageDown,
        _ => {
            let mut c = name.chars();
            match (c.next(), c.next()) {
                (Some(one), None) => return one,
                _ => panic!("no key named {name:?}"),
            }
        }
    };
    k.into()
}

impl Browser<'_> {
    fn c(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// Runs one WebDriver call to its end.
    fn run<T>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    ) -> T {
        self.driver
            .rt
            .block_on(f)
            .unwrap_or_else(|e| panic!("{what} on {}: {e}", self.where_am_i()))
    }

    /// The address shown and the start of the page's text, for failure messages.
    fn where_am_i(&self) -> String {
        let c = self.c();
        let url = self.driver.rt.block_on(c.current_url());
        let body = self.driver.rt.block_on(c.execute(
            "return document.body ? document.body.innerText.slice(0, 600) : ''",
            vec![],
        ));
        match (url, body) {
            (Ok(u), Ok(b)) => format!("{u}, showing:\n{}", b.as_str().unwrap_or("")),
            (Ok(u), _) => u.to_string(),
            _ => "(the browser does not answer)".into(),
        }
    }

    /// Opens `path` on the server (`/search?q=trust`) and waits until it has loaded.
    pub fn go(&self, path: &str) {
        self.run(
            &format!("opening {path}"),
            self.c().goto(&format!("{}{path}", self.base)),
        );
    }

    /// The address now shown, whole.
    pub fn url(&self) -> String {
        self.run("reading the address", self.c().current_url())
            .to_string()
    }

    /// The path of the address now shown (`/document`).
    pub fn path(&self) -> String {
        let u = self.run("reading the address", self.c().current_url());
        u.path().to_string()
    }

    /// The query of the address now shown (`q=trust`), if any.
    pub fn query(&self) -> Option<String> {
        let u = self.run("reading the address", self.c().current_url());
        u.query().map(String::from)
    }

    /// A parameter of the address now shown (`q` of `/search?q=trust&speaker=`), decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        let u = self.run("reading the address", self.c().current_url());
        u.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The fragment of the address now shown (`s12`), if any.
    pub fn fragment(&self) -> Option<String> {
        let u = self.run("reading the address", self.c().current_url());
        u.fragment().map(String::from)
    }

    /// The page's title.
    pub fn title(&self) -> String {
        self.run("reading the title", self.c().title())
    }

    /// The HTTP status the page now shown came with (after redirects).
    pub fn status(&self) -> u16 {
        let v = self.js("return performance.getEntriesByType('navigation')[0].responseStatus");
        v.as_u64().unwrap_or_else(|| panic!("no status: {v}")) as u16
    }

    /// Runs `script` (which `return`s a value) in the page.
    pub fn js(&self, script: &str) -> Value {
        self.run(
            &format!("running {script:?}"),
            self.c().execute(script, vec![]),
        )
    }

    /// The first element matching `css`, waited for.
    pub fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.run(
            &format!("finding {css:?}"),
            self.c()
                .wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css(css)),
        )
    }

    /// Every element matching `css` now (none is fine).
    pub fn all(&self, css: &str) -> Vec<fantoccini::elements::Element> {
        self.run(
            &format!("finding every {css:?}"),
            self.c().find_all(Locator::Css(css)),
        )
    }

    /// How many elements match `css` now.
    pub fn count(&self, css: &str) -> usize {
        self.all(css).len()
    }

    /// The text a person sees in the first element matching `css`.
    pub fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.run(&format!("reading {css:?}"), e.text())
    }

    /// The text of every element matching `css`, in page order.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.all(css)
            .iter()
            .map(|e| self.run(&format!("reading {css:?}"), e.text()))
            .collect()
    }

    /// An attribute of the first element matching `css`.
    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        let e = self.find(css);
        self.run(&format!("reading {css:?}'s {name}"), e.attr(name))
    }

    /// Clicks the first element matching `css` (following a link waits for the new page).
    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.run(&format!("clicking {css:?}"), e.click());
    }

    /// Empties the field matching `css` and types `text` into it.
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.run(&format!("emptying {css:?}"), e.clear());
        self.run(&format!("typing into {css:?}"), e.send_keys(text));
    }

    /// Presses and releases a key (see [`key`] for the names), wherever the focus is, as a
    /// person would: the page's own key handlers see it. `Shift+Tab`, `Control+z`: the
    /// modifiers are held down around the last key.
    pub fn press(&self, name: &str) {
        let keys: Vec<char> = if name == "+" {
            vec!['+']
        } else {
            name.split('+').map(key).collect()
        };
        let mut seq = KeyActions::new("keyboard".into());
        for &k in &keys {
            seq = seq.then(KeyAction::Down { value: k });
        }
        for &k in keys.iter().rev() {
            seq = seq.then(KeyAction::Up { value: k });
        }
        self.run(&format!("pressing {name}"), self.c().perform_actions(seq));
    }

    /// Presses a key that sends a form (a review key) and waits for the page it leads to.
    pub fn press_and_load(&self, name: &str) {
        self.js("window.quarryTestOldPage = true; return 1");
        self.press(name);
        self.wait_until(&format!("a new page after {name}"), |b| {
            b.js("return !window.quarryTestOldPage && document.readyState === 'complete'")
                == json!(true)
        });
    }

    /// Types `text` wherever the focus is, one key after another.
    pub fn type_keys(&self, text: &str) {
        let mut seq = KeyActions::new("keyboard".into());
        for ch in text.chars() {
            seq = seq
                .then(KeyAction::Down { value: ch })
                .then(KeyAction::Up { value: ch });
        }
        self.run(&format!("typing {text:?}"), self.c().perform_actions(seq));
    }

    /// The element that has the focus, as `tag#id` or `tag "text"` (`body` when none).
    pub fn focused(&self) -> String {
        let v = self.js("const e = document.activeElement; if (!e) return 'none';
             const t = e.tagName.toLowerCase();
             if (e.id) return t + '#' + e.id;
             const s = (e.innerText || e.value || '').trim();
             return s ? t + ' \"' + s + '\"' : t;");
        v.as_str().unwrap_or_default().to_string()
    }

    /// Waits until `cond` holds (checked every 50 ms), failing after a while with `what`.
    pub fn wait_until(&self, what: &str, mut cond: impl FnMut(&Self) -> bool) {
        let start = Instant::now();
        while !cond(self) {
            if start.elapsed() > PATIENCE {
                panic!("waited {PATIENCE:?} for {what}: {}", self.where_am_i());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the page's text contains `text`.
    pub fn wait_for_text(&self, text: &str) {
        self.wait_until(&format!("{text:?} on the page"), |b| {
            b.js("return document.body ? document.body.innerText : ''")
                .as_str()
                .is_some_and(|t| t.contains(text))
        });
    }

    /// Says who is coding in this browser (the `/coder` form) and comes back to the overview.
    pub fn as_coder(&self, name: &str) {
        self.go("/coder?next=/");
        self.fill("#coder", name);
        self.press("Enter");
        self.wait_until("the overview after /coder", |b| b.path() == "/");
    }

    /// A PNG of the window as it is now.
    pub fn screenshot(&self) -> Vec<u8> {
        self.run("taking a screenshot", self.c().screenshot())
    }
}

/// Bytes of a PNG: (width, height, RGB pixels).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, pixels)
}
