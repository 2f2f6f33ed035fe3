// Draws the dashboard's charts with plotly.js from the figures the page carries as JSON.
(function () {
  const source = document.getElementById("figures");
  if (!source || !window.Plotly) return;
  const figures = JSON.parse(source.textContent);
  for (const holder of document.querySelectorAll("[data-chart]")) {
    const figure = figures[holder.dataset.chart];
    if (figure) Plotly.newPlot(holder, figure.data, figure.layout, {displayModeBar: false, responsive: true});
  }
})();
