// The knowledge box sits inside the hotline form: Enter there keeps searching (htmx) instead of registering
// the request.
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.ctrlKey && event.target.id === "knowledge-q") {
    event.preventDefault();
  }
});
