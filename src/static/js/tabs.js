// On a phone the diary's tabs are one row that scrolls sideways: bring the current tab into view, so that
// «Доверенные лица» opened from the strip's far end is not hidden off its right edge.
document.addEventListener("DOMContentLoaded", () => {
  for (const strip of document.querySelectorAll("nav.tabs, nav.children")) {
    const current = strip.querySelector("[aria-current]");
    if (current && strip.scrollWidth > strip.clientWidth) {
      strip.scrollLeft = current.offsetLeft - strip.offsetLeft - (strip.clientWidth - current.offsetWidth) / 2;
    }
  }
});
