import { describe, expect, it } from 'vitest';
import { attrs, escapeHtml, html, raw } from '../../src/web/templates/html.js';

describe('templates escape every interpolated value by default', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['" onmouseover="x', '&quot; onmouseover=&quot;x'],
    ["' autofocus '", '&#39; autofocus &#39;'],
    ['a & b', 'a &amp; b'],
    ['`x`', '&#96;x&#96;'],
  ])('escapes %s in content and attributes', (value, escaped) => {
    expect(html`<td title="${value}">${value}</td>`.text).toBe(`<td title="${escaped}">${escaped}</td>`);
  });

  it('keeps another template and raw() as they are, and escapes every item of a list', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${raw('&nbsp;')}${['<', inner]}</p>`.text).toBe(
      '<p><b>&lt;i&gt;</b>&nbsp;&lt;<b>&lt;i&gt;</b></p>',
    );
  });

  it('renders nothing for undefined, null and booleans, and numbers as text', () => {
    expect(html`${undefined}${null}${false}${true}${0}${12.5}`.text).toBe('012.5');
  });

  it('builds attributes from names it checks and values it escapes', () => {
    expect(attrs({ value: '"x"', disabled: true, hidden: false, max: 3 }).text).toBe(
      'value="&quot;x&quot;" disabled max="3"',
    );
    expect(() => attrs({ 'onclick="x"': 'y' })).toThrow(/not an attribute name/);
    expect(escapeHtml('<&>')).toBe('&lt;&amp;&gt;');
  });
});
