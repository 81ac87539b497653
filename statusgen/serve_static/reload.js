// Added to every page by `statusgen serve`, never to a built site: reload the page when a
// build was tried after the one this page came from (the server answers with an error page
// while the last build failed, and with the site again once a build succeeds).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.EventSource) {
    return;
  }
  var build = new URL(script.src).searchParams.get("build") || "";
  var events = new EventSource("/__statusgen/events?since=" + encodeURIComponent(build));
  events.addEventListener("build", function () {
    events.close();
    window.location.reload();
  });
})();
