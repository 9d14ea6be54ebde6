/* Analysis of a large survey: polls whether the current analysis is stored and
   the progress of its job. On the progress page (data-reload) the bar moves and
   the page reloads when the analysis is ready; on a page showing an earlier
   state it offers a link to the new one, and its status line (#analysis-next)
   stays hidden until there is news. A failed job shows its message and the
   retry button. Needs progress.js. */
(function () {
  "use strict";
  var box = document.getElementById("analysis");
  if (!box) { return; }
  var progress = window.umfrageProgress;
  var bar = document.getElementById("analysis-progress");
  var retry = document.getElementById("analysis-retry");
  var reloadLink = document.getElementById("analysis-reload");
  var next = document.getElementById("analysis-next");
  var say = progress.statusLine(
    document.getElementById("analysis-status-text"),
    function () { if (next) { next.hidden = false; } }
  );

  progress.poll(box.dataset.statusUrl, function (data) {
    if (data.ready) {
      say(box.dataset.textReady);
      if (box.dataset.reload) {
        progress.reloadSoon();
      } else if (reloadLink) {
        reloadLink.hidden = false;
      }
      return false;
    }
    if (data.status === "failed") {
      say(box.dataset.textFailed + " " + (data.error || ""));
      if (retry) { retry.hidden = false; }
      return false;
    }
    if (bar) { progress.showBar(bar, box, data, say); }
    return true;
  }, 1000);
}());
