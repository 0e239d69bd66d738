// A date typed into a date field is taken when Enter is pressed and the calendar closes: it
// stayed open over the page after Enter.
document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (event.key !== "Enter" || !input.classList || !input.classList.contains("dash-datepicker-input")) {
    return;
  }
  // after Dash's own handler has taken the date: Escape closes the calendar, blur the field
  setTimeout(() => {
    input.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", code: "Escape", bubbles: true}));
    input.blur();
  }, 0);
});
