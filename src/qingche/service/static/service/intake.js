// Intake by keyboard: the category list has the focus; Ctrl+Enter registers.
document.addEventListener("DOMContentLoaded", function () {
  var category = document.getElementById("id_category");
  var form = document.getElementById("intake-form");
  if (category) category.focus();
  if (!form) return;
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); this.requestSubmit(); }
  });
});
