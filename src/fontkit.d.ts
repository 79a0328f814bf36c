/** The part of fontkit (pdfkit's font engine) chase uses: fontkit ships no types of its own. */
declare module 'fontkit' {
  export interface Font {
    postscriptName: string;
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  /** A .ttc or .dfont holds several fonts; pdfkit cannot use one without a font name, nor can chase. */
  export interface FontCollection {
    fonts: Font[];
  }
  export function openSync(path: string): Font | FontCollection;
}
