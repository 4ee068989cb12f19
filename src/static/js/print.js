// The "Print" button of a printable page (the act of destruction): no inline handler under the CSP.
document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
