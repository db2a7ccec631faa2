// Draws the figures whose JSON the page carries in <script type="application/json"> blocks (no inline script).

// Articles per day of the viewer's own time zone, from [time (ISO), has a time] pairs: an article with a time
// falls on the day it came out where the page is read; one dated by its day alone stays on that day.
function localDays(times) {
  var counts = {};
  times.forEach(function (entry) {
    var day = entry[0].slice(0, 10);
    if (entry[1]) {
      var at = new Date(entry[0]);
      day = [at.getFullYear(), String(at.getMonth() + 1).padStart(2, "0"), String(at.getDate()).padStart(2, "0")].join("-");
    }
    counts[day] = (counts[day] || 0) + 1;
  });
  var days = Object.keys(counts).sort();
  return {x: days, y: days.map(function (day) { return counts[day]; })};
}

document.querySelectorAll("script[type='application/json'][data-figure]").forEach(function (block) {
  var figure = JSON.parse(block.textContent);
  var target = document.getElementById(block.dataset.figure);
  var times = document.querySelector("script[data-local-days='" + block.dataset.figure + "']");
  if (times && figure.data.length === 1) {
    var bins = localDays(JSON.parse(times.textContent));
    figure.data[0].x = bins.x;
    figure.data[0].y = bins.y;
    figure.layout.title = {text: "Articles per day (your time zone)"};
  }
  Plotly.newPlot(target, figure.data, figure.layout, {displaylogo: false, responsive: true});
  // A figure whose points are stories (data-links="stories") opens the story clicked.
  if (block.dataset.links !== "stories") { return; }
  target.on("plotly_click", function (event) {
    var storyId = event.points[0].customdata;
    if (storyId) { window.location.href = "/story/" + encodeURIComponent(storyId); }
  });
});
