// Draws the figures whose JSON the page carries in <script type="application/json"> blocks (no inline script).
document.querySelectorAll("script[type='application/json'][data-figure]").forEach(function (block) {
  var figure = JSON.parse(block.textContent);
  var target = document.getElementById(block.dataset.figure);
  Plotly.newPlot(target, figure.data, figure.layout, {displaylogo: false, responsive: true});
  // A figure whose points are stories (data-links="stories") opens the story clicked.
  if (block.dataset.links !== "stories") { return; }
  target.on("plotly_click", function (event) {
    var storyId = event.points[0].customdata;
    if (storyId) { window.location.href = "/story/" + encodeURIComponent(storyId); }
  });
});
