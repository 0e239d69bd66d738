// A date typed into a date field is taken when Enter is pressed: the calendar closes (it stayed
// open over the page after Enter, and the typed date was only applied on the next click).
document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (event.key !== "Enter" || !input.classList || !input.classList.contains("DateInput_input")) {
    return;
  }
  input.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
  input.blur();
});
