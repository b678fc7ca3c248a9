/**
 * What every value of one message needs in order to be read: its delimiters and the charset
 * that `\Xhh\` escapes are decoded in. Shared by all segments and fields of the message.
 *
 * Two sets of delimiters: `delimiters`, what a view splits on, and `declared`, the message's
 * own (MSH-1/MSH-2). An escape sequence always stands for a declared delimiter (v2.5.1 §2.7.1:
 * `\T\` is "the subcomponent separator" of the message), whatever level the text is read at:
 * a view that splits on fewer separators must still decode `\T\` to `&` and `\S\` to `^`.
 */
import type { Delimiters } from './delimiters.js';
import { unescapeText } from './escape.js';
import { tryResolveCharset } from './charset.js';
import { piece } from './pieces.js';

export class MessageContext {
  private resolved: string | undefined;
  private flatView: MessageContext | undefined;
  private componentView: MessageContext | undefined;

  /**
   * @param headerLine the MSH (or FHS/BHS) line, read for MSH-18 only when needed
   * @param decodedWith the decoder already used on the bytes, when the input was a Buffer
   * @param fallback charset to use when MSH-18 is empty or unknown (ParseOptions.charset)
   */
  /** The message's delimiters, which escape sequences decode to. */
  readonly declared: Delimiters;

  constructor(
    readonly delimiters: Delimiters,
    private readonly headerLine: string,
    decodedWith?: string,
    private readonly fallback?: string,
    declared?: Delimiters,
  ) {
    this.resolved = decodedWith;
    this.declared = declared ?? delimiters;
  }

  /** Name of the charset of the message (the decoder used, or the one MSH-18 declares). */
  get charset(): string {
    if (this.resolved === undefined) {
      const declared = this.headerLine.startsWith('MSH') ? this.msh18() : '';
      const fromMsh = declared === '' ? undefined : tryResolveCharset(declared);
      const fromOption = this.fallback === undefined ? undefined : tryResolveCharset(this.fallback);
      this.resolved = (fromMsh ?? fromOption)?.name ?? 'UTF-8';
    }
    return this.resolved;
  }

  private msh18(): string {
    const d = this.delimiters;
    // In the raw line MSH-n is piece n (piece 1 is "MSH" and MSH-1 is the separator itself).
    return piece(piece(this.headerLine, d.field, 18), d.repetition, 1).trim();
  }

  /**
   * @internal The same message read with no component or subcomponent separator: for text known
   * to hold none, so that nothing tries to split it (escapes are still decoded).
   */
  get flat(): MessageContext {
    return (this.flatView ??= new MessageContext({ ...this.delimiters, component: '', subcomponent: '' }, '', this.charset, undefined, this.declared));
  }

  /** @internal The same message read one level down: subcomponents are the components (a datatype inside a component). */
  get componentLevel(): MessageContext {
    const d = this.delimiters;
    return (this.componentView ??= new MessageContext({ ...d, component: d.subcomponent, subcomponent: '' }, '', this.charset, undefined, this.declared));
  }

  /** A leaf value as text: HL7 null `""` reads as '', escapes are decoded. */
  text(raw: string): string {
    if (raw === '""') return '';
    const e = this.delimiters.escape;
    if (e === '' || raw.indexOf(e) < 0) return raw;
    return unescapeText(raw, this.declared, this.charset);
  }
}
