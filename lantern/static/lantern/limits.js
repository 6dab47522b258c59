// A live counter under each long text field, so nothing typed is lost to a limit unseen.
// The server refuses text over the limit with a message and keeps it as typed; this only
// shows the count while typing (no inline script: the page's policy forbids it).
document.addEventListener("DOMContentLoaded", () => {
  for (const field of document.querySelectorAll("textarea[data-limit]")) {
    const limit = Number(field.dataset.limit);
    const counter = document.createElement("p");
    counter.className = "help counter";
    const update = () => {
      // Line breaks are sent as two characters (CR LF) and counted so by the server.
      const count = [...field.value].length + (field.value.match(/\n/g) || []).length;
      counter.textContent = field.dataset.limitText
        .replace("%(count)s", String(count))
        .replace("%(limit)s", String(limit));
      counter.classList.toggle("counter--over", count > limit);
    };
    field.addEventListener("input", update);
    update();
    field.insertAdjacentElement("afterend", counter);
  }
});
