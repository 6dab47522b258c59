// The tablet's idle time-out: a page the patient left turns into the neutral page by
// itself, instead of showing their answers to whoever comes by. The server times the staff
// session out on its own clock; this only asks it for the tablet's page once that time has
// passed since the last page or answer reached it (no inline script: the policy forbids it).
document.addEventListener("DOMContentLoaded", () => {
  const seconds = Number(document.body.dataset.idleSeconds);
  const target = document.body.dataset.idleUrl;
  if (!seconds || !target) {
    return;
  }
  let timer = null;
  const restart = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => window.location.replace(target), seconds * 1000);
  };
  document.body.addEventListener("htmx:afterRequest", restart);
  restart();
});
