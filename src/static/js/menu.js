// The folded top menu (a <details>, which works without this script) closes like a menu should: on Escape,
// giving the focus back to its button, and on a tap or click outside it.
document.addEventListener("keydown", (event) => {
  const menu = document.querySelector("details.menu[open]");
  if (menu && event.key === "Escape") {
    menu.open = false;
    menu.querySelector("summary")?.focus();
  }
});
document.addEventListener("click", (event) => {
  const menu = document.querySelector("details.menu[open]");
  if (menu && event.target instanceof Node && !menu.contains(event.target)) {
    menu.open = false;
  }
});
