module.exports = require('../tools/jest.preset.js').preset('bench', __dirname);
