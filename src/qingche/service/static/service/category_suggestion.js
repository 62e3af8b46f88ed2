// The suggested category of a request form (docs/classify.md). The suggestion box (#category-suggestion) is
// refreshed by htmx as the text is typed. On the hotline's form (data-preselect) the suggested category is
// selected until the operator picks one by hand; on both forms a candidate's button selects it.
(function () {
  "use strict";
  var select = document.getElementById("id_category");
  if (!select) { return; }
  var byHand = select.value !== ""; // a form shown again after an error keeps the person's choice
  var ours = false;

  select.addEventListener("change", function () {
    if (!ours) { byHand = true; }
  });

  function choose(id) {
    if (select.value === id) { return; }
    ours = true;
    select.value = id;
    select.dispatchEvent(new Event("change", {bubbles: true}));
    ours = false;
  }

  function mark(box) {
    box.querySelectorAll("[data-category]").forEach(function (button) {
      button.classList.toggle("active", button.dataset.category === select.value);
      button.setAttribute("aria-pressed", button.dataset.category === select.value ? "true" : "false");
    });
  }

  document.body.addEventListener("htmx:afterSwap", function () {
    var box = document.getElementById("category-suggestion");
    if (!box) { return; }
    if (box.dataset.preselect && box.dataset.suggested && !byHand) { choose(box.dataset.suggested); }
    mark(box);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("#category-suggestion [data-category]");
    if (!button) { return; }
    byHand = true;
    choose(button.dataset.category);
    mark(button.closest("#category-suggestion"));
  });
}());
