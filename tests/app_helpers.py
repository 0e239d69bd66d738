"""Calling the internal app's callbacks over HTTP, as the browser does, from the app's own
list of callbacks (``/_dash-dependencies``): shared by tests that check what a card answers."""

from __future__ import annotations

import json

from components.filter_bar import CARD_VIEW, COMPARE_VIEW, URL_VIEW, card_view, compare_view


def callback_answer(client, output_part: str, search: str = "") -> dict:
    """The answer of the callback whose output names ``output_part``, for the URL ``search``.

    Its inputs are filled as the page fills them: the URL's search string (and the view stores
    the page derives from it), and any version store (``live-version-*``) with a placeholder."""
    client.get("/")
    deps = json.loads(client.get("/_dash-dependencies").get_data(as_text=True))
    spec = next(d for d in deps if output_part in d["output"])
    inputs = []
    for item in spec["inputs"]:
        if item["id"] == CARD_VIEW:  # what the page's clientside callback puts there
            value = card_view(search)
        elif item["id"] == URL_VIEW:
            value = search
        elif item["id"] == COMPARE_VIEW:
            value = compare_view(search)
        else:
            value = search if item["property"] == "search" else "any"
        inputs.append({"id": item["id"], "property": item["property"], "value": value})
    payload = {
        "output": spec["output"],
        "outputs": [_output(o) for o in spec["output"].strip(".").split("...")],
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        "state": [{"id": s["id"], "property": s["property"], "value": None} for s in spec["state"]],
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.loads(response.get_data(as_text=True))["response"]


def _output(text: str) -> dict:
    ident, _, prop = text.rpartition(".")
    return {"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop}


def call(client, output_part: str, values: dict[str, object], changed: str) -> dict:
    """The answer of the callback whose output names ``output_part``, with its inputs and
    state taken from ``values`` (``"component-id.property"`` -> value, None where absent), as
    if ``changed`` had just changed."""
    client.get("/")
    deps = json.loads(client.get("/_dash-dependencies").get_data(as_text=True))
    spec = next(
        d
        for d in deps
        if output_part in d["output"]
        and any(f"{i['id']}.{i['property']}" == changed for i in d["inputs"])
    )

    def items(part: str) -> list[dict]:
        return [
            {
                "id": i["id"],
                "property": i["property"],
                "value": values.get(f"{i['id']}.{i['property']}"),
            }
            for i in spec[part]
        ]

    payload = {
        "output": spec["output"],
        "outputs": [_output(o) for o in spec["output"].strip(".").split("...")],
        "inputs": items("inputs"),
        "changedPropIds": [changed],
        "state": items("state"),
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:300]
    if response.status_code == 204:
        return {}
    return json.loads(response.get_data(as_text=True))["response"]
