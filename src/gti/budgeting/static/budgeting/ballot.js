// The ballot's "money left" / "points left" line, updated as the resident chooses. The server
// checks the same limits again; without this script the line shows the state when loaded.
(function () {
  "use strict";
  var form = document.getElementById("ballot");
  var line = document.getElementById("left");
  if (!form || !line) return;
  var kind = form.dataset.kind;
  var lang = form.dataset.lang || document.documentElement.lang || "en";
  var money = new Intl.NumberFormat(lang === "nl" ? "nl-BE" : "en-GB",
    {minimumFractionDigits: 2, maximumFractionDigits: 2});
  function update() {
    var text, over;
    if (kind === "cumulative") {
      var used = 0;
      form.querySelectorAll("input[type=number]").forEach(function (i) {
        used += Math.max(parseInt(i.value, 10) || 0, 0);
      });
      var left = parseInt(form.dataset.points, 10) - used;
      text = form.dataset.pointsText.replace("{points}", left);
      over = left < 0;
    } else {
      var cents = 0, count = 0;
      form.querySelectorAll("input[type=checkbox]:checked").forEach(function (i) {
        cents += Math.round(parseFloat(i.dataset.cost) * 100);
        count += 1;
      });
      var leftCents = Math.round(parseFloat(form.dataset.budget) * 100) - cents;
      text = form.dataset.moneyText.replace("{amount}", money.format(leftCents / 100));
      over = kind === "approval_budget" && leftCents < 0;
      var max = parseInt(form.dataset.max, 10);
      if (kind === "approval" && max) {
        text += " · " + form.dataset.countText.replace("{count}", count).replace("{max}", max);
        over = count > max;
      }
    }
    line.textContent = over ? text + " (" + form.dataset.overText + ")" : text;
    line.classList.toggle("over", over);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
