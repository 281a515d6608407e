// After htmx swaps in a form with errors, move focus to the first invalid field so keyboard
// and screen-reader users land where they need to act.
document.addEventListener("htmx:afterSwap", (event) => {
  const invalid = event.detail.target.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
});
