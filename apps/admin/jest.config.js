module.exports = require('../../tools/jest.preset.js').preset('admin', __dirname);
