package rdkafkalog

import (
	"context"
	"log/slog"
)

// Watch is logger with a look at the engine's log lines on their way: see gets the
// facility and text of every librdkafka line (what Emitter logs), whatever level
// logger lets through; logger still gets only what it is enabled for. It lets a
// client notice what the engine logs but does not report as an error.
func Watch(logger *slog.Logger, see func(facility, text string)) *slog.Logger {
	return slog.New(&watcher{next: logger.Handler(), see: see})
}

type watcher struct {
	next slog.Handler
	see  func(facility, text string)
}

func (w *watcher) Enabled(context.Context, slog.Level) bool { return true }

func (w *watcher) Handle(ctx context.Context, r slog.Record) error {
	var facility, source string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "facility":
			facility = a.Value.String()
		case "source":
			source = a.Value.String()
		}
		return true
	})
	if source == "librdkafka" {
		w.see(facility, r.Message)
	}
	if !w.next.Enabled(ctx, r.Level) {
		return nil
	}
	return w.next.Handle(ctx, r)
}

func (w *watcher) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &watcher{next: w.next.WithAttrs(attrs), see: w.see}
}

func (w *watcher) WithGroup(name string) slog.Handler {
	return &watcher{next: w.next.WithGroup(name), see: w.see}
}
