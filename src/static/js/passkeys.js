// After django-otp-webauthn's registration script has saved a new passkey, go where the server says (the
// recovery codes, shown once, or the security page). The sign-in script redirects by itself.
document.addEventListener("otp_webauthn.register_complete", function (event) {
  var answer = event.detail && event.detail.response;
  if (answer && answer.redirect_url) {
    window.location.assign(answer.redirect_url);
  }
});
