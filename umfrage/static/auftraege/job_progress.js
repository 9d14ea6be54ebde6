/* Job page: polls the job's state and moves the progress bar; reloads the page
   when the job has finished (to show the download or the error). Without this
   script the page reloads itself every few seconds (meta refresh in noscript).
   Needs progress.js. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var progress = window.umfrageProgress;
  var bar = document.getElementById("job-progress");
  var say = progress.statusLine(document.getElementById("job-status-text"));

  progress.poll(box.dataset.statusUrl, function (data) {
    if (data.status === "queued" || data.status === "running") {
      progress.showBar(bar, box, data, say);
      return true;
    }
    say(box.dataset.textFinished);
    progress.reloadSoon();
    return false;
  }, 700);
}());
