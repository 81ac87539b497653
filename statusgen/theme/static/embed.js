/* statusgen status embed. On any page: <script src="https://STATUS-SITE/embed/status.js" async></script>
   It shows the current status and any active incident or maintenance, linked to the status page,
   where the page puts an element with data-statusgen-embed (else right after the script tag). The
   status is in this file, rewritten by every build: no request to another origin, no CORS. */
(function (data) {
  "use strict";
  var script = document.currentScript;
  var base = script && script.src ? new URL("../", script.src).href : data.url;
  var colours = {none: "#1a7f37", minor: "#8a5a00", major: "#b04500", critical: "#c4161c", maintenance: "#0860c4"};

  function el(tag, text, style) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    for (var key in style || {}) node.style[key] = style[key];  // CSSOM: allowed by a strict CSP
    return node;
  }

  function link(text, path) {
    var a = el("a", text, {color: "inherit"});
    a.href = new URL(path, base).href;
    return a;
  }

  function render(host) {
    var box = el("div", "", {font: "14px/1.4 system-ui,sans-serif", border: "1px solid #767676",
      borderLeft: "6px solid " + (colours[data.indicator] || "#767676"), borderRadius: "6px",
      padding: "8px 12px", background: "#fff", color: "#1b1b1b", maxWidth: "28rem"});
    box.className = "statusgen-embed";
    box.setAttribute("data-indicator", data.indicator);
    box.setAttribute("role", "status");
    var head = el("p", "", {margin: "0", fontWeight: "600"});
    head.appendChild(link(data.icon + " " + data.description, ""));
    box.appendChild(head);
    var notices = data.notices;
    if (notices.length) {
      var list = el("ul", "", {margin: "4px 0 0", padding: "0 0 0 18px"});
      for (var i = 0; i < notices.length; i++) {
        var item = el("li");
        item.appendChild(link(notices[i].name, notices[i].path));
        item.appendChild(document.createTextNode(" \u00B7 " + notices[i].status));
        list.appendChild(item);
      }
      box.appendChild(list);
    }
    host.appendChild(box);
  }

  var hosts = document.querySelectorAll("[data-statusgen-embed]");
  if (hosts.length) {
    for (var i = 0; i < hosts.length; i++) render(hosts[i]);
  } else if (script && script.parentNode) {
    var host = el("div");
    script.parentNode.insertBefore(host, script.nextSibling);
    render(host);
  }
  window.statusgenEmbed = data;
})(/*DATA*/);
