module.exports = require('../../tools/jest.preset.js').preset('contracts', __dirname);
