module.exports = require('../../tools/jest.preset.js').preset('sdk', __dirname);
