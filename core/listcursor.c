/* listcursor.c — the shared list cursor: selection moves by key, clamping, scrolling to the
 * selection. */
#include "core/listcursor.h"

static size_t page_rows(const struct listcursor *lc)
{
    return lc->height > 1 ? (size_t)lc->height - 1 : 1;
}

/* The key as it acts on row indexes: in a reversed list, Up goes to higher rows. */
static enum listcursor_key oriented(enum listcursor_key key, bool reversed)
{
    if (!reversed)
        return key;
    switch (key) {
    case LISTCURSOR_UP:
        return LISTCURSOR_DOWN;
    case LISTCURSOR_DOWN:
        return LISTCURSOR_UP;
    case LISTCURSOR_PAGE_UP:
        return LISTCURSOR_PAGE_DOWN;
    case LISTCURSOR_PAGE_DOWN:
        return LISTCURSOR_PAGE_UP;
    case LISTCURSOR_HOME:
        return LISTCURSOR_END;
    case LISTCURSOR_END:
        return LISTCURSOR_HOME;
    default:
        return key;
    }
}

static void back(struct listcursor *lc, size_t n)
{
    lc->selected = lc->selected > n ? lc->selected - n : 0;
}

static void forward(struct listcursor *lc, size_t n)
{
    if (lc->count == 0)
        return;
    size_t last = lc->count - 1;
    lc->selected = lc->selected < last && last - lc->selected > n ? lc->selected + n : last;
}

bool listcursor_key(struct listcursor *lc, enum listcursor_key key)
{
    switch (oriented(key, lc->reversed)) {
    case LISTCURSOR_UP:
        back(lc, 1);
        break;
    case LISTCURSOR_DOWN:
        forward(lc, 1);
        break;
    case LISTCURSOR_PAGE_UP:
        back(lc, page_rows(lc));
        break;
    case LISTCURSOR_PAGE_DOWN:
        forward(lc, page_rows(lc));
        break;
    case LISTCURSOR_HOME:
        lc->selected = 0;
        break;
    case LISTCURSOR_END:
        lc->selected = lc->count ? lc->count - 1 : 0;
        break;
    default:
        return false;
    }
    listcursor_clamp(lc);
    return true;
}

void listcursor_clamp(struct listcursor *lc)
{
    if (lc->count == 0)
        lc->selected = 0;
    else if (lc->selected >= lc->count)
        lc->selected = lc->count - 1;
}

void listcursor_scroll_to_selection(struct listcursor *lc)
{
    if (lc->top > lc->selected)
        lc->top = lc->selected;
    if (lc->height > 0 && lc->selected >= lc->top + (size_t)lc->height)
        lc->top = lc->selected - (size_t)lc->height + 1;
}
