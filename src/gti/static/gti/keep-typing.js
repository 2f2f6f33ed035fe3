// The proposal form checks each change on the server and shows the step's fields as the server
// re-renders them (errors, computed amounts). What the person typed or ticked while that answer was
// on its way wins over the answer's copy, so no keystroke is lost on a slow connection.
(function () {
  let typed = null;
  const key = (field) => (field.type === "checkbox" || field.type === "radio") ? field.name + "=" + field.value : field.name;
  const read = (field) => {
    if (field.type === "checkbox" || field.type === "radio") return field.checked;
    if (field.multiple) return Array.from(field.selectedOptions, (o) => o.value);
    return field.value;
  };
  const write = (field, value) => {
    if (field.type === "checkbox" || field.type === "radio") field.checked = value;
    else if (field.multiple) for (const o of field.options) o.selected = value.includes(o.value);
    else field.value = value;
  };
  const fields = (root) => Array.from(root.querySelectorAll("input[name], select[name], textarea[name]"))
    .filter((field) => field.type !== "hidden");

  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    typed = target && target.id === "step-fields" ? new Map(fields(target).map((f) => [key(f), read(f)])) : null;
  });
  document.addEventListener("htmx:afterSwap", () => {
    const root = typed && document.getElementById("step-fields");
    if (root) for (const field of fields(root)) if (typed.has(key(field))) write(field, typed.get(key(field)));
    typed = null;
  });
})();
