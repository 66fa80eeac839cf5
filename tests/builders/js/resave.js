// Re-save a workbook with a JavaScript spreadsheet library, as a web app that exports spreadsheets does.
// Usage: node resave.js sheetjs|exceljs SOURCE TARGET [xlsx|ods|biff8]
'use strict';
const [library, source, target, bookType] = process.argv.slice(2);

async function main() {
  if (library === 'sheetjs') {
    const XLSX = require('xlsx');
    const wb = XLSX.readFile(source, {cellFormula: true, cellStyles: true});
    XLSX.writeFile(wb, target, {bookType: bookType || 'xlsx'});
  } else if (library === 'exceljs') {
    const ExcelJS = require('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(source);
    await wb.xlsx.writeFile(target);
  } else {
    throw new Error('unknown library ' + library);
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
