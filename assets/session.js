/* Chokepoint: what the page does when the server refuses a callback.
   401: the session has ended (idle limit, account disabled): go to the sign-in page and come back
   here afterwards. 403: this role may not use that part of the page: say so at the top of the
   page, with the server's sentence. Every other answer passes through untouched. */
(() => {
  if (document.body && document.body.classList.contains("public-app")) { return; }
  const original = window.fetch.bind(window);
  const show = (text) => {
    let bar = document.getElementById("refused-banner");
    if (!bar) {
      bar = document.createElement("div");
      bar.id = "refused-banner";
      bar.className = "alert alert-warning refused-banner";
      bar.setAttribute("role", "alert");
      document.body.prepend(bar);
    }
    bar.textContent = text;
  };
  window.fetch = (...args) => original(...args).then((response) => {
    const url = typeof args[0] === "string" ? args[0] : (args[0] && args[0].url) || "";
    if (!url.includes("_dash-update-component") && !url.includes("_dash-layout")) {
      return response;
    }
    if (response.status === 401) {
      const here = window.location.pathname + window.location.search;
      window.location.assign("/login?next=" + encodeURIComponent(here));
    } else if (response.status === 403) {
      response.clone().json().then(
        (body) => show(body.error || "Your role does not allow this."),
        () => show("Your role does not allow this."),
      );
    }
    return response;
  });
})();
