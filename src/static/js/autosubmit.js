// A field marked data-autosubmit sends its form as soon as it changes (the form keeps a button for when
// JavaScript is off). Kept out of the templates: the Content-Security-Policy allows no inline script.
document.addEventListener("change", (event) => {
  const field = event.target instanceof Element ? event.target.closest("[data-autosubmit]") : null;
  if (field && field.form) {
    field.form.submit();
  }
});
