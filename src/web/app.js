// quarry serve: the one script. Every action is also a plain form, so the pages work
// without it; it adds the review keys, the code picker's ranking as you type, scrolling to
// the evidence, and review counts kept current while others code.
"use strict";

(function () {
  // Typing in a box is typing, not a command.
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
  }

  function press(id) {
    var b = document.getElementById(id);
    if (b && !b.disabled) { b.click(); return true; }
    return false;
  }

  // Submitting twice by holding a key would decide twice: one submission per page.
  var sent = false;
  document.addEventListener("submit", function (e) {
    if (sent) { e.preventDefault(); return; }
    sent = true;
  });

  function reviewKeys() {
    var decide = document.getElementById("decide");
    if (!decide) { return; }
    // The passage box opens at its first evidence word (the page itself does not move).
    var mark = document.querySelector("#focus mark");
    var box = document.querySelector(".unit");
    if (mark && box) { box.scrollTop = Math.max(0, mark.offsetTop - box.offsetTop - box.clientHeight / 3); }
    var pick = document.getElementById("pick");
    var list = document.getElementById("code");
    var memo = document.getElementById("memo");
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) { return; }
      var t = e.target;
      if (e.key === "Escape" && typing(t)) { t.blur(); e.preventDefault(); return; }
      if (typing(t) || (t && t.tagName === "BUTTON" && e.key === "Enter")) { return; }
      var done = false;
      switch (e.key) {
        case "a": case "Enter": done = press("accept"); break;
        case "r": case "x": done = press("reject") || press("none"); break;
        case "s": done = press("skip"); break;
        case "j": done = press("prev"); break;
        case "k": done = press("next"); break;
        case "u": var u = document.querySelector("#undo button"); if (u) { u.click(); done = true; } break;
        case "m": if (memo) { memo.focus(); done = true; } break;
        case "c": if (pick) { pick.focus(); done = true; } break;
        case "?": var h = document.getElementById("help"); if (h) { h.open = !h.open; done = true; } break;
      }
      if (done) { e.preventDefault(); }
    });
    if (!pick || !list) { return; }
    // The picker: the server ranks the codes as the terminal review does.
    var asked = 0;
    pick.addEventListener("input", function () {
      var n = ++asked;
      var url = "/review/codes?codebook=" + encodeURIComponent(pick.dataset.codebook || "") +
        "&except=" + encodeURIComponent(pick.dataset.except || "") +
        "&q=" + encodeURIComponent(pick.value);
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (codes) {
        if (n !== asked) { return; }
        while (list.firstChild) { list.removeChild(list.firstChild); }
        codes.forEach(function (c, i) {
          var o = document.createElement("option");
          o.value = c[0];
          o.textContent = c[1] + " — " + c[0];
          if (i === 0) { o.selected = true; }
          list.appendChild(o);
        });
      }).catch(function () {});
    });
    pick.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        var i = list.selectedIndex + (e.key === "ArrowDown" ? 1 : -1);
        if (i >= 0 && i < list.options.length) { list.selectedIndex = i; }
        e.preventDefault();
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (list.selectedIndex < 0 && list.options.length) { list.selectedIndex = 0; }
        if (list.selectedIndex >= 0) { press("change") || press("apply"); }
      }
    });
    list.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); press("change") || press("apply"); }
    });
  }

  // Counts kept current: cells marked data-count="codebook|code|coder|field" (coder empty:
  // the suggestion count) follow /status.json every few seconds.
  function liveCounts() {
    var cells = document.querySelectorAll("[data-count]");
    if (!cells.length) { return; }
    // The next update comes a while after the last answer, longer when answers are slow (a
    // big study), so that polling never crowds out the people deciding.
    function update() {
      var began = Date.now();
      fetch("/status.json", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
        cells.forEach(function (cell) {
          var k = cell.dataset.count.split("|");
          s.codes.forEach(function (c) {
            if (c.codebook !== k[0] || c.code !== k[1]) { return; }
            if (!k[2]) { cell.textContent = String(c.suggested); return; }
            c.coders.forEach(function (cc) {
              if (cc.coder === k[2]) { cell.textContent = String(cc[k[3]]); }
            });
          });
        });
      }).catch(function () {}).then(function () {
        setTimeout(update, Math.max(3000, 10 * (Date.now() - began)));
      });
    }
    setTimeout(update, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    reviewKeys();
    liveCounts();
  });
})();
