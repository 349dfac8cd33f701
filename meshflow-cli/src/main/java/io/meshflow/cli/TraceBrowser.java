package io.meshflow.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import org.jline.keymap.BindingReader;
import org.jline.keymap.KeyMap;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp.Capability;

/**
 * The interactive {@code meshflow trace} on a terminal: the step table with one step selected; the arrow keys (or
 * {@code j}/{@code k}) move the selection, Enter expands the selected step's full input, output and tool calls (and
 * collapses it again), Page Down / Page Up (or space / {@code b}) scroll an expanded step, {@code q} quits.
 */
final class TraceBrowser {
    /** What a key does. */
    enum Action {
        UP,
        DOWN,
        TOGGLE,
        SCROLL_DOWN,
        SCROLL_UP,
        QUIT
    }

    private final Terminal terminal;
    private final TraceTable table;
    private int selected;
    private boolean expanded;
    private int scroll;

    TraceBrowser(Terminal terminal, TraceTable table) {
        this.terminal = terminal;
        this.table = table;
    }

    /** The keys and what they do, with the terminal's own sequences for the arrow and paging keys. */
    static KeyMap<Action> keys(Terminal terminal) {
        KeyMap<Action> keys = new KeyMap<>();
        keys.bind(Action.UP, "\u001b[A", "\u001bOA", "k");
        keys.bind(Action.DOWN, "\u001b[B", "\u001bOB", "j");
        keys.bind(Action.TOGGLE, "\r", "\n", "o");
        keys.bind(Action.SCROLL_DOWN, "\u001b[6~", " ");
        keys.bind(Action.SCROLL_UP, "\u001b[5~", "b");
        keys.bind(Action.QUIT, "q", "Q", "\u0003", KeyMap.esc() + KeyMap.esc());
        bindCapability(keys, terminal, Action.UP, Capability.key_up);
        bindCapability(keys, terminal, Action.DOWN, Capability.key_down);
        bindCapability(keys, terminal, Action.SCROLL_DOWN, Capability.key_npage);
        bindCapability(keys, terminal, Action.SCROLL_UP, Capability.key_ppage);
        keys.setAmbiguousTimeout(100);
        return keys;
    }

    private static void bindCapability(KeyMap<Action> keys, Terminal terminal, Action action, Capability capability) {
        String sequence = KeyMap.key(terminal, capability);
        if (sequence != null && !sequence.isEmpty()) {
            keys.bind(action, sequence);
        }
    }

    /**
     * Shows the table and reacts to keys until {@code q} (or the end of input), then restores the terminal.
     *
     * @throws IOException when the terminal cannot be written
     */
    void run() throws IOException {
        Attributes saved = terminal.enterRawMode();
        terminal.puts(Capability.keypad_xmit);
        terminal.puts(Capability.cursor_invisible);
        try {
            BindingReader reader = new BindingReader(terminal.reader());
            KeyMap<Action> keys = keys(terminal);
            draw();
            while (true) {
                Action action = reader.readBinding(keys, null, true);
                if (action == null || action == Action.QUIT) {
                    break;
                }
                apply(action);
                draw();
            }
        } finally {
            terminal.puts(Capability.cursor_visible);
            terminal.puts(Capability.keypad_local);
            terminal.setAttributes(saved);
            terminal.writer().println();
            terminal.flush();
        }
    }

    /** Changes the selection, expansion or scrolling. */
    void apply(Action action) {
        int last = table.size() - 1;
        switch (action) {
            case UP -> {
                selected = Math.max(0, selected - 1);
                scroll = 0;
            }
            case DOWN -> {
                selected = Math.max(0, Math.min(last, selected + 1));
                scroll = 0;
            }
            case TOGGLE -> {
                expanded = !expanded && table.size() > 0;
                scroll = 0;
            }
            case SCROLL_DOWN -> scroll += Math.max(1, height() / 2);
            case SCROLL_UP -> scroll = Math.max(0, scroll - Math.max(1, height() / 2));
            case QUIT -> {}
        }
    }

    /** The selected step's index, from 0. */
    int selected() {
        return selected;
    }

    /** True when the selected step is expanded. */
    boolean expanded() {
        return expanded;
    }

    private int height() {
        int h = terminal.getSize().getRows();
        return h > 0 ? h : 40;
    }

    private void draw() {
        PrintWriter out = terminal.writer();
        terminal.puts(Capability.clear_screen);
        int used = 0;
        out.print(table.header() + "\r\n");
        out.print(table.headings() + "\r\n");
        used += 2;
        for (int i = 0; i < table.size(); i++) {
            if (i == selected) {
                out.print("\u001b[7m" + table.plainRow(i) + "\u001b[0m\r\n");
            } else {
                out.print(table.row(i) + "\r\n");
            }
            used++;
        }
        out.print("\u001b[2m↑/↓ select · Enter " + (expanded ? "collapse" : "expand")
                + " · PgDn/PgUp scroll · q quit\u001b[0m\r\n");
        used++;
        if (expanded) {
            List<String> lines = table.detail(selected);
            int room = Math.max(1, height() - used - 1);
            scroll = Math.min(scroll, Math.max(0, lines.size() - room));
            for (int i = scroll; i < Math.min(lines.size(), scroll + room); i++) {
                out.print(lines.get(i) + "\r\n");
            }
        }
        out.flush();
    }
}
