// History's gallery (ui/history/cards.py): a whole page of cards drawn by this one element.
// No build step: Streamlit's components v2 mount this module in the page itself (no iframe).
// One element instead of ~9 Streamlit elements per card keeps a rerun as quick as the table's. Each card keeps
// the class names its parts had as Streamlit widgets (st-key-history_card_<id>, _pick_, _star_, _open_, _like_),
// so links, tests and styles that find a card by them still do. Clicks go to Python as trigger values:
// pick {id, on} or {id, range}, star {id, starred}, open id, like id. Python owns the selection and the
// stars; a click shows its effect here at once and the rerun confirms it.
const grids = new WeakMap(); // grid element -> { args: the latest mount's callbacks, cards: id -> parts }

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text; // user text: always as text, never as HTML
  return node;
}

function newCard(id) {
  const card = make("div", `card st-key-history_card_${id}`);
  card.setAttribute("role", "listitem");
  card.dataset.id = String(id);
  const top = make("div", "top");
  const pickWrap = make("span", `st-key-history_pick_${id}`);
  const pick = make("label", "pick");
  const check = make("input");
  check.type = "checkbox";
  pick.append(check, make("span", "number", `#${id}`));
  pickWrap.append(pick);
  const starWrap = make("span", `st-key-history_star_${id}`);
  const star = make("button", "star");
  star.type = "button";
  starWrap.append(star);
  top.append(pickWrap, starWrap);
  const picture = make("div", "picture");
  const title = make("p", "title");
  const badges = make("p", "badges");
  const tags = make("p", "tags");
  const actions = make("div", "actions");
  const openWrap = make("span", `open-wrap st-key-history_open_${id}`);
  const open = make("button", "open", "Open");
  open.type = "button";
  openWrap.append(open);
  const likeWrap = make("span", `st-key-history_like_${id}`);
  const like = make("button", "like", "More like this");
  like.type = "button";
  likeWrap.append(like);
  actions.append(openWrap, likeWrap);
  card.append(top, picture, title, badges, tags, actions);
  return { card, check, star, picture, title, badges, tags, thumbnail: undefined };
}

function showStar(parts, id, starred) {
  parts.star.textContent = starred ? "★" : "☆";
  parts.star.setAttribute("aria-label", `${starred ? "Unstar" : "Star"} image #${id}`);
  parts.star.title = starred ? "Unstar" : "Star";
  parts.star.dataset.starred = starred ? "1" : "";
}

function fill(parts, item) {
  parts.check.checked = Boolean(item.selected);
  parts.card.classList.toggle("selected", Boolean(item.selected));
  showStar(parts, item.id, item.starred);
  if (parts.thumbnail !== item.thumbnail) {
    // Only a new address replaces the picture: a rerun leaves loaded images alone.
    parts.thumbnail = item.thumbnail;
    if (item.thumbnail) {
      const image = make("img");
      image.src = item.thumbnail;
      image.alt = item.title;
      parts.picture.replaceChildren(image);
    } else {
      parts.picture.replaceChildren(make("span", "missing", "No thumbnail"));
    }
  }
  parts.title.textContent = item.title;
  parts.badges.replaceChildren(...item.badges.map((badge) => make("span", `badge ${badge.kind}`, badge.label)));
  parts.badges.hidden = item.badges.length === 0;
  parts.tags.textContent = item.tags.join(" · ");
  parts.tags.hidden = item.tags.length === 0;
}

function onClick(grid, event) {
  const known = grids.get(grid);
  const card = event.target.closest(".card");
  if (!known || !card) return;
  const id = Number(card.dataset.id);
  const send = known.args.setTriggerValue;
  if (event.target.closest(".pick")) {
    // Shift-click selects a range (from the last card ticked); the check itself must not toggle then.
    if (event.shiftKey) {
      event.preventDefault();
      send("pick", { id, range: true });
    }
    return; // a plain click toggles the check, and its change event tells Python
  }
  if (event.target.closest(".star")) {
    const parts = known.cards.get(id);
    const starred = !parts.star.dataset.starred;
    showStar(parts, id, starred);
    send("star", { id, starred });
  } else if (event.target.closest(".open")) {
    send("open", id);
  } else if (event.target.closest(".like")) {
    send("like", id);
  }
}

function onChange(grid, event) {
  const known = grids.get(grid);
  const card = event.target.closest(".card");
  if (!known || !card || !event.target.matches(".pick input")) return;
  card.classList.toggle("selected", event.target.checked);
  known.args.setTriggerValue("pick", { id: Number(card.dataset.id), on: event.target.checked });
}

export default function (args) {
  let grid = args.parentElement.querySelector(".history-grid");
  if (!grid) {
    grid = make("div", "history-grid");
    grid.setAttribute("role", "list");
    grid.setAttribute("aria-label", "Images");
    grid.addEventListener("click", (event) => onClick(grid, event));
    grid.addEventListener("change", (event) => onChange(grid, event));
    args.parentElement.append(grid);
    grids.set(grid, { args, cards: new Map() });
  }
  const known = grids.get(grid);
  known.args = args; // newer callbacks, same cards
  const items = (args.data && args.data.cards) || [];
  const kept = new Map();
  for (const item of items) {
    const parts = known.cards.get(item.id) || newCard(item.id);
    fill(parts, item);
    kept.set(item.id, parts);
  }
  known.cards = kept;
  grid.replaceChildren(...items.map((item) => kept.get(item.id).card));
}
