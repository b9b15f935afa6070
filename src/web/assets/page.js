// Every page: what its links and buttons do beyond plain HTML, with no script written into
// the page itself (the Content-Security-Policy allows only these files). A link marked
// data-back goes back to the page before, as the browser's back button does.
"use strict";
document.addEventListener("click", (ev) => {
  const back = ev.target.closest && ev.target.closest("a[data-back]");
  if (!back || history.length < 2) return;
  ev.preventDefault();
  history.back();
});
