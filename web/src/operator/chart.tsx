/**
 * Charts with Apache ECharts (echarts-setup.ts: only the parts used, loaded when a chart is first drawn). They run
 * under the pages' strict policy: the canvas renderer styles its elements through the CSSOM (which
 * `style-src 'self'` allows), and the tooltip draws on the canvas (`renderMode: 'richText'`) instead of writing
 * HTML with inline styles. A canvas says nothing to a screen
 * reader, so each chart is an image with a name and is followed by a table of the same figures; the colours are the
 * design tokens', read from the page's own CSS.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { ChartOption } from './echarts-setup.js';

export type { ChartOption };

/** The series colours: the design system's blue, green, orange, magenta, cyan, purple, red (900s, AA on white). */
const paletteTokens = ['blue-900', 'green-900', 'orange-900', 'magenta-900', 'cyan-1000', 'purple-900', 'red-900', 'lime-1000'];

function palette(): string[] {
  const style = getComputedStyle(document.documentElement);
  return paletteTokens.map((token) => style.getPropertyValue(`--color-primitive-${token}`).trim() || '#0017c1');
}

function textColour(): string {
  return getComputedStyle(document.documentElement).getPropertyValue('--text').trim() || '#1a1a1a';
}

export interface ChartProps {
  option: ChartOption;
  /** What the chart shows, for screen readers (the table after it has the figures). */
  label: string;
  testId: string;
}

export function Chart(props: ChartProps) {
  const element = useRef<HTMLDivElement>(null);
  // The option is plain data: drawn again when its content changes, not at every render of the page.
  const optionText = JSON.stringify(props.option);
  useEffect(() => {
    const container = element.current;
    if (container === null) return undefined;
    let stop = (): void => undefined;
    let stopped = false;
    void import('./echarts-setup.js').then(({ drawChart }) => {
      if (stopped) return;
      const chart = drawChart(container, {
        color: palette(),
        textStyle: { color: textColour(), fontFamily: getComputedStyle(document.documentElement).fontFamily },
        animation: false,
        tooltip: { trigger: 'axis', renderMode: 'richText' },
        grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
        legend: { top: 0, type: 'scroll' },
        ...props.option,
      });
      const resized = new ResizeObserver(() => chart.resize());
      resized.observe(container);
      stop = () => {
        resized.disconnect();
        chart.dispose();
      };
    });
    return () => {
      stopped = true;
      stop();
    };
  }, [optionText]);
  return <div ref={element} class="chart" role="img" aria-label={props.label} data-testid={props.testId} />;
}
