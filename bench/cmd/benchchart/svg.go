package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// palette gives each client a colour; rdstreams first and strongest.
var palette = []string{"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#7f7f7f", "#8c564b", "#e377c2"}

const (
	panelW  = 460
	panelH  = 300
	marginL = 70
	marginT = 40
	gapX    = 30
	legendH = 40
)

// panel is one bar chart: groups (sizes) of bars (clients).
type panel struct {
	title  string
	unit   string
	groups []string
	// values[g][c], with lo/hi the spread (NaN: no bar)
	values, lo, hi [][]float64
}

func writeSVG(w io.Writer, f file) {
	clients := clientsOf(f.Results)
	var panels []panel
	for _, wl := range []string{"produce", "consume"} {
		p := panel{title: wl + " throughput", unit: "messages/s"}
		for _, size := range sizesOf(f.Results, wl) {
			p.groups = append(p.groups, sizeName(size))
			var v, lo, hi []float64
			for _, c := range clients {
				r := find(f.Results, c, wl, size)
				if r == nil || r.MsgsPerS == 0 {
					v, lo, hi = append(v, math.NaN()), append(lo, math.NaN()), append(hi, math.NaN())
					continue
				}
				sp := r.Spread["msgs_per_s"]
				v, lo, hi = append(v, r.MsgsPerS), append(lo, sp[0]), append(hi, sp[1])
			}
			p.values, p.lo, p.hi = append(p.values, v), append(p.lo, lo), append(p.hi, hi)
		}
		panels = append(panels, p)
	}
	for _, pct := range []struct {
		name string
		get  func(*result) *float64
		key  string
	}{
		{"p50", func(r *result) *float64 { return r.P50Ms }, "p50_ms"},
		{"p99", func(r *result) *float64 { return r.P99Ms }, "p99_ms"},
	} {
		p := panel{title: "end-to-end latency " + pct.name + fmt.Sprintf(" at %v msg/s", f.Settings["latency_rate"]), unit: "ms (lower is better)"}
		for _, size := range sizesOf(f.Results, "latency") {
			p.groups = append(p.groups, sizeName(size))
			var v, lo, hi []float64
			for _, c := range clients {
				r := find(f.Results, c, "latency", size)
				if r == nil || pct.get(r) == nil {
					v, lo, hi = append(v, math.NaN()), append(lo, math.NaN()), append(hi, math.NaN())
					continue
				}
				sp, ok := r.Spread[pct.key]
				if !ok {
					sp = [2]float64{*pct.get(r), *pct.get(r)}
				}
				v, lo, hi = append(v, *pct.get(r)), append(lo, sp[0]), append(hi, sp[1])
			}
			p.values, p.lo, p.hi = append(p.values, v), append(p.lo, lo), append(p.hi, hi)
		}
		panels = append(panels, p)
	}

	cols := 2
	rows := (len(panels) + cols - 1) / cols
	width := cols*(panelW+gapX) + gapX
	height := legendH + rows*(panelH+marginT+50) + 40
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	// legend
	x := gapX
	for i, c := range clients {
		fmt.Fprintf(w, `<rect x="%d" y="14" width="14" height="14" fill="%s"/><text x="%d" y="26">%s</text>`+"\n", x, palette[i%len(palette)], x+18, esc(c))
		x += 28 + 8*len(c)
	}
	for i, p := range panels {
		ox := gapX + (i%cols)*(panelW+gapX)
		oy := legendH + (i/cols)*(panelH+marginT+50)
		drawPanel(w, p, ox, oy, len(clients))
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" fill="#555">%s</text>`+"\n", gapX, height-24,
		esc(fmt.Sprintf("median of %v rounds, whiskers min–max; %s messages per run; %v partitions, acks=all, idempotent, linger.ms=%v, no compression",
			f.Settings["rounds"], number(f.Settings["messages"]), f.Settings["partitions"], f.Settings["linger.ms"])))
	fmt.Fprintf(w, `<text x="%d" y="%d" fill="#555">%s</text>`+"\n", gapX, height-8,
		esc(fmt.Sprintf("%v, broker and clients on one machine with %v CPUs (%v); bench/cmd/benchchart",
			f.Settings["broker"], f.Machine["cpus"], f.Machine["cpu_model"])))
	fmt.Fprintln(w, "</svg>")
}

func drawPanel(w io.Writer, p panel, ox, oy, nClients int) {
	top := 0.0
	for g := range p.values {
		for c := range p.values[g] {
			if v := p.hi[g][c]; !math.IsNaN(v) && v > top {
				top = v
			}
		}
	}
	if top == 0 {
		top = 1
	}
	top, div := niceCeil(top)
	plotX, plotY := ox+marginL, oy+marginT
	plotW, plotH := panelW-marginL, panelH-20
	fmt.Fprintf(w, `<text x="%d" y="%d" font-weight="bold" font-size="14">%s</text>`+"\n", ox, oy+20, esc(p.title))
	// axis and gridlines
	for i := 0; i <= div; i++ {
		v := top * float64(i) / float64(div)
		y := float64(plotY+plotH) - float64(plotH)*float64(i)/float64(div)
		fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", plotX, y, plotX+plotW, y)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" fill="#555">%s</text>`+"\n", plotX-6, y+4, short(v))
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" fill="#555" transform="rotate(-90 %d %d)" text-anchor="middle">%s</text>`+"\n",
		ox+12, plotY+plotH/2, ox+12, plotY+plotH/2, esc(p.unit))
	groupW := float64(plotW) / float64(max(len(p.groups), 1))
	barW := (groupW - 20) / float64(nClients)
	for g, name := range p.groups {
		gx := float64(plotX) + groupW*float64(g) + 10
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", gx+(groupW-20)/2, plotY+plotH+16, esc(name))
		for c, v := range p.values[g] {
			if math.IsNaN(v) {
				continue
			}
			bx := gx + barW*float64(c)
			h := float64(plotH) * v / top
			fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
				bx+1, float64(plotY+plotH)-h, barW-2, h, palette[c%len(palette)], esc(short(v)))
			lo, hi := p.lo[g][c], p.hi[g][c]
			if !math.IsNaN(lo) && hi > lo {
				cx := bx + barW/2
				ylo := float64(plotY+plotH) - float64(plotH)*lo/top
				yhi := float64(plotY+plotH) - float64(plotH)*hi/top
				fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", cx, ylo, cx, yhi)
			}
		}
	}
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten, and says in how many
// steps to divide the axis so the gridlines fall on round numbers.
func niceCeil(v float64) (float64, int) {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []struct {
		f   float64
		div int
	}{{1, 4}, {2, 4}, {2.5, 5}, {5, 5}} {
		if m.f*p >= v {
			return m.f * p, m.div
		}
	}
	return 10 * p, 5
}

// short writes 1250000 as 1.25M, 2500 as 2.5k, 0.75 as 0.75.
func short(v float64) string {
	switch {
	case v >= 1e6:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v/1e6), "0"), ".") + "M"
	case v >= 1e3:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v/1e3), "0"), ".") + "k"
	default:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
	}
}

func esc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// number writes a JSON number setting with thousands separators.
func number(v any) string {
	if n, ok := v.(float64); ok {
		return thousands(n)
	}
	return fmt.Sprint(v)
}
