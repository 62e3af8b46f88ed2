// A task is sent once: the button is disabled when its click submits the form.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("send-task");
  if (!button) return;
  button.addEventListener("click", function () {
    button.form.addEventListener("submit", function () { button.disabled = true; }, {once: true});
  });
});
